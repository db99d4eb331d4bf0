"""The records that enter the pipeline: documents, and the inputs that could not be read."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["METADATA_FIELDS", "Document", "Skipped"]

METADATA_FIELDS = ("outlet", "url", "published", "title", "author")


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``text`` is the decoded original; every offset elsewhere points into it.

    ``id`` is stable and unique within a corpus: for a file, its path relative to the folder
    read, without the suffix (``wire/2023-04-05``); for a record of a JSONL, JSON-list or CSV
    file, that plus ``:`` and the record's ``id`` field or its 1-based number.

    ``notes`` are what the reader repaired or decided on its own and says so: a repeated id
    renamed or kept, lone surrogates replaced by U+FFFD, a field it looked for and did not find.
    """

    id: str
    text: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    title: str | None = None
    author: str | None = None
    path: str | None = None
    encoding: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that was not read, and why (the reason names the problem and the fix)."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)
