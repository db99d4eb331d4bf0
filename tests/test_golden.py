"""Golden outputs on the seeds: the JSON contracts stay byte-identical unless a change means them
to move. After a deliberate change, regenerate with

    PROVENANCE_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and read the diff of ``tests/golden/`` before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance import analyze, read
from provenance.render.html import report_data
from provenance_cli.main import cli

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PROVENANCE_UPDATE_GOLDEN") == "1"

COMMANDS = {
    "scan.json": ["scan", "--format", "json", "-q"],
    "dedup.jsonl": ["dedup", "-q"],
    "trace.json": ["trace", "--format", "json", "-q"],
    "passages.json": ["passages", "--format", "json", "-q"],
}


def _check(name: str, text: str) -> None:
    path = GOLDEN / f"seeds.{name}"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with PROVENANCE_UPDATE_GOLDEN=1 once"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_output_is_byte_identical(name, seeds_dir, monkeypatch):
    monkeypatch.chdir(seeds_dir.parent)
    result = CliRunner().invoke(cli, [*COMMANDS[name], "seeds"])
    assert result.exit_code == 0, result.output
    _check(name, result.stdout)


def test_report_data_is_byte_identical(seeds_dir, monkeypatch):
    monkeypatch.chdir(seeds_dir.parent)  # relative paths: the same in every checkout
    data = report_data(analyze(read(["seeds"])))
    _check("report.json", json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n")
