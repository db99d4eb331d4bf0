"""What every benchmark writes: its report as JSON, with the machine and library versions."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    import datasketch
    import numba
    import numpy

    return {
        "platform": platform.platform(), "processor": platform.machine(),
        "cpus": os.cpu_count(), "python": sys.version.split()[0],
        "versions": {"numpy": numpy.__version__, "numba": numba.__version__,
                     "datasketch": datasketch.__version__},
    }


def write(report: dict, path: Path) -> None:
    """Write ``report`` (with the machine added) as sorted JSON and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**report, "machine": machine()}, indent=2, sort_keys=True,
                               ensure_ascii=False) + "\n")
    print(f"\nwrote {path}")
