"""What every benchmark writes: its report as JSON, with the machine and library versions."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Iterable
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


def kept_sections(path: Path, sections: Iterable[str], run: Iterable[str]) -> dict:
    """The ``sections`` of the results at ``path`` that this run (``run``, from ``--only``) does
    not redo: a partial run updates its own sections and keeps the others' last figures."""
    if not path.is_file():
        return {}
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    skip = set(run)
    return {k: v for k, v in old.items() if k in set(sections) - skip}
