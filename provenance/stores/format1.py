"""Reading a format-1 SQLite index (the first release: zlib texts, one table row per key) so
that :func:`provenance.index.upgrade` can copy it into a current one. Only ever read."""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator

from provenance.documents import Document
from provenance.errors import StoreError
from provenance.stores.base import STORED_METADATA, unpack_meta
from provenance.stores.sqlite import file_uri

__all__ = ["read_format_1"]


def read_format_1(path: str, batch: int = 1000) -> tuple[dict[str, str],
                                                          Iterator[list[Document]]]:
    """The settings and documents of the format-1 index at ``path``: ``(settings, iterator of
    document batches)``. The file is opened read-only through an escaped URI (a ``#`` or ``?``
    in the name is part of the name)."""
    try:
        db = sqlite3.connect(file_uri(path, "mode=ro"), uri=True)
        settings = dict(db.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a provenance index or damaged ({exc})") from None
    if settings.get("format") != "1":
        db.close()
        raise StoreError(f"{path}: index format {settings.get('format')}, not 1; only a "
                         "format-1 index needs upgrading")

    def batches() -> Iterator[list[Document]]:
        try:
            rows = db.execute("SELECT id, text, meta FROM docs ORDER BY rowid")
            while chunk := rows.fetchmany(batch):
                out = []
                for id_, text, meta in chunk:
                    m = unpack_meta(meta, path, id_)
                    try:
                        body = zlib.decompress(text).decode("utf-8", "surrogatepass")
                    except (zlib.error, UnicodeDecodeError, TypeError) as exc:
                        raise StoreError(f"{path}: document {id_!r} is damaged (text: {exc}); "
                                         "the documents before it were copied") from None
                    out.append(Document(id_, body, **{k: m.get(k) for k in STORED_METADATA}))
                yield out
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: damaged ({exc}); nothing after the last batch copied "
                             "was read") from None
        finally:
            db.close()

    return settings, batches()
