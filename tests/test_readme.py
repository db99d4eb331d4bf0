"""Every Python block of the README runs as written, from a folder holding the seeds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_examples():
    assert BLOCKS


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_readme_python_block_runs(number, seeds_dir, tmp_path, monkeypatch, capsys):
    shutil.copytree(seeds_dir, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[number], f"README.md python block {number + 1}", "exec"), {})
    assert capsys.readouterr().out  # the examples print what they show
