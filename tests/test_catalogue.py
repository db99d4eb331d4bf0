"""The README shows the whole bad-input catalogue (tests/bad_inputs.py; that each row names a
real test is checked in tests/test_read_bad_inputs.py)."""

from __future__ import annotations

from pathlib import Path

from tests.bad_inputs import markdown

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_shows_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown() in readme, "run python -m tests.bad_inputs and paste the table"
