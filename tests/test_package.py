from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import provenance

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_package_list_matches_the_packages_on_disk():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    remap = config["package-dir"]
    declared = set(config["packages"])
    on_disk = set()
    for name, folder in remap.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((name, *rel)))
    assert declared == on_disk


def test_all_is_explicit_and_importable():
    assert len(provenance.__all__) == len(set(provenance.__all__))
    for name in provenance.__all__:
        assert hasattr(provenance, name), name


def test_the_library_never_prints_or_exits():
    pattern = re.compile(r"^\s*(print\(|sys\.exit\(|import click|from click)", re.M)
    for path in (ROOT / "provenance").rglob("*.py"):
        assert not pattern.search(path.read_text()), path


def test_cli_is_installed_as_provenance_cli_not_cli():
    code = "import provenance_cli.main, importlib.util; print(importlib.util.find_spec('cli'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/",
                         check=True)
    assert out.stdout.strip() == "None"
