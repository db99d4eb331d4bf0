"""The Clough & Stevenson corpus as the benchmarks use it: its file information and documents."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from provenance import Document, read

__all__ = ["answers_with_sources", "file_information"]


def file_information(data: Path) -> dict[str, dict]:
    """``file_information.csv`` by document id (the file name without ``.txt``)."""
    folder = data / "clough_stevenson_ab"
    with open(folder / "file_information.csv", encoding="utf-8") as f:
        return {r["file"].removesuffix(".txt"): r for r in csv.DictReader(f)}


def answers_with_sources(data: Path) -> Iterator[tuple[dict, Document, Document]]:
    """Each answer (not the ``orig`` sources) with its row and the source it was written from."""
    docs = {d.id: d for d in read(data / "clough_stevenson_ab" / "corpus-20090418").documents}
    for doc_id, row in file_information(data).items():
        if row["category"] != "orig":
            yield row, docs[doc_id], docs[row["source_file"].removesuffix(".txt")]
