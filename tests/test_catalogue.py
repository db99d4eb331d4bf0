"""The bad-input catalogue names real tests, and the README shows all of it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.bad_inputs import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent


def test_every_catalogue_entry_names_a_test_that_exists():
    missing = []
    for entry in CATALOGUE:
        path, name = entry["test"].split("::")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        if name not in names:
            missing.append(entry["test"])
    assert not missing, missing


def test_the_readme_lists_every_case():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    absent = [e["case"] for e in CATALOGUE if f"| {e['case']} |" not in readme]
    assert not absent, f"run python -m tests.bad_inputs and paste the table: {absent}"
