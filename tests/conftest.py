from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seeds_dir() -> Path:
    return ROOT / "seeds"


@pytest.fixture
def write(tmp_path):
    """write("a/b.txt", "text" or b"bytes") -> the path, folders made as needed."""

    def _write(rel: str, content: str | bytes) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
