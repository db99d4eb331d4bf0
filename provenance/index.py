"""A persistent, incremental index: add articles as they come, ask which earlier ones a new
article repeats, and the passages involved -- without re-scanning the archive.

``Index("archive.db")`` keeps everything in one SQLite file (embedded, no server);
``Index("redis://localhost:6379/0")`` keeps it in Redis, shared by several pipeline workers.
Both store, per document: its text (zlib), metadata (JSON), MinHash signature (raw uint32
bytes), document band keys (LSH) and sentence keys. Nothing is pickled: loading an index runs
no code.

**Query.** Candidates are documents sharing a band key with the query (near-duplicates) or a
sentence key (a repeated or lightly rewritten sentence). A candidate is a match when its
estimated Jaccard similarity reaches ``threshold`` or, with ``passages=True``, when
:func:`passages.align` finds a passage it shares with the query. Near-duplicates come first,
most similar first, then documents by the number of sentence keys they share.

**Sentence keys.** Computed by the byte kernel with the signature (``core.sentence_keys``):
sentences are cut cheaply (at ``.``, ``!``, ``?`` or a line break); each sentence of at least
four content words (two or more characters, not stop words) gets two keys, each the pair of
minima of its content-word hashes under two hash functions. Two sentences
whose content-word sets have Jaccard J share a key with probability 1 - (1 - J^2)^2: 0.44 at
0.5, 0.74 at 0.7, nearly 1 for a repeated sentence. They are a candidate filter; ``align``
decides. A key shared by more than :data:`COMMON_KEY` documents (boilerplate) is ignored, and a
document below the similarity threshold is aligned only when it shares at least
:data:`MIN_SHARED_KEYS` keys with the query (a repeated sentence gives both of its keys; one
key alone is too often chance), at most ``k`` of them, most shared keys first.

**Consistency.** Each ``add`` and ``remove`` is one transaction (SQLite: one write transaction in
WAL mode, other writers wait up to 60 s; Redis: one MULTI/EXEC, retried if a document it
replaces changes meanwhile): a process killed in the middle leaves the index as it was before.
An id added again replaces the stored document (``on_duplicate="replace"``, the default), or is
skipped (``"skip"``), or fails the whole add (``"error"``).

**Format.** Version :data:`FORMAT` (the ``meta`` table, or the Redis hash ``<prefix>meta``);
an index of another version, a file that is not an index, and a damaged file each give an
:class:`IndexError_` naming the location and what to do.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .candidates import band_keys, lsh_params
from .core import EMPTY, prepare, sentence_keys, sign_bytes
from .documents import Document
from .errors import ProvenanceError
from .passages import Passage, PassageOptions, align

__all__ = ["COMMON_KEY", "FORMAT", "MIN_SHARED_KEYS", "AddResult", "Index", "IndexError_", "Match"]

FORMAT = 1
COMMON_KEY = 500
MIN_SHARED_KEYS = 2


class IndexError_(ProvenanceError):  # noqa: N801 -- IndexError is a builtin
    """The index cannot be opened or used: not an index, damaged, another format, or its
    server is unreachable. The message names the location and what to do."""


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed document the query repeats: ``similarity`` is the estimated Jaccard of the two
    shingle sets; ``passages`` (query as ``a``, the match as ``b``) what they share."""

    id: str
    similarity: float
    passages: tuple[Passage, ...] = ()
    outlet: str | None = None
    published: str | None = None
    title: str | None = None
    url: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "similarity": round(self.similarity, 4), "outlet": self.outlet,
                "published": self.published, "title": self.title, "url": self.url,
                "passages": [p.to_dict() for p in self.passages]}


@dataclass(frozen=True)
class AddResult:
    """What an ``add`` did: ids ``added`` (new), ``replaced`` (already there), ``skipped``
    (duplicates under ``on_duplicate="skip"``, or duplicated within the batch: the last wins)."""

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    id: str
    text: bytes
    meta: str
    published: str | None
    shingles: int
    signature: bytes
    bands: np.ndarray  # int64
    sentences: np.ndarray  # int64


class Index:
    """A persistent index at ``location`` (a SQLite file path, or a ``redis://`` URL).

    ``threshold``, ``num_perm``, ``seed`` and ``shingle_size`` are fixed when the index is
    created (later values are ignored; the stored ones are used): the document bands are tuned
    to find pairs from ``threshold`` up. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, location: str, *, threshold: float = 0.5, num_perm: int = 128,
                 seed: int = 1, shingle_size: int = 5) -> None:
        self.location = str(location)
        settings = {"format": FORMAT, "threshold": threshold, "num_perm": num_perm,
                    "seed": seed, "shingle_size": shingle_size}
        if re.match(r"^(redis|rediss|unix)://", self.location):
            from .index_redis import RedisStore

            self._store = RedisStore(self.location, settings)
        else:
            self._store = SQLiteStore(self.location, settings)
        s = self._store.settings
        self.threshold, self.num_perm = float(s["threshold"]), int(s["num_perm"])
        self.seed, self.shingle_size = int(s["seed"]), int(s["shingle_size"])
        self.bands, self.rows = lsh_params(self.threshold, self.num_perm)

    # --- writing ------------------------------------------------------------------------------

    def _entries(self, docs: Sequence[Document]) -> list[_Entry]:
        chunks = [prepare(d.text) for d in docs]
        sigs, counts = sign_bytes(chunks, self.shingle_size, self.num_perm, self.seed)
        bands = band_keys(sigs, self.bands, self.rows).view(np.int64)
        sentences = sentence_keys(chunks)
        out = []
        for d, sig, count, keys, sents in zip(docs, sigs, counts, bands, sentences,
                                              strict=True):
            meta = {k: v for k, v in (("outlet", d.outlet), ("published", d.published),
                                      ("title", d.title), ("url", d.url), ("author", d.author),
                                      ("path", d.path)) if v}
            empty = count == 0
            out.append(_Entry(
                id=d.id, text=zlib.compress(d.text.encode("utf-8", "surrogatepass"), 1),
                meta=json.dumps(meta, ensure_ascii=False, sort_keys=True),
                published=d.published, shingles=int(count),
                signature=np.ascontiguousarray(sig, dtype="<u4").tobytes(),
                bands=np.empty(0, np.int64) if empty else keys,
                sentences=np.unique(sents).view(np.int64)))
        return out

    def add(self, docs: Iterable[Document], on_duplicate: str = "replace") -> AddResult:
        """Add documents in one transaction (all or nothing). See the module's docstring for
        ids already in the index."""
        if on_duplicate not in ("replace", "skip", "error"):
            raise ValueError(f"on_duplicate must be replace, skip or error, got {on_duplicate!r}")
        batch: dict[str, Document] = {}
        repeated: list[str] = []
        for d in docs:
            if d.id in batch:
                repeated.append(d.id)
            batch[d.id] = d  # the last one wins
        if not batch:
            return AddResult()
        entries = self._entries(list(batch.values()))
        added, replaced, skipped = self._store.add(entries, on_duplicate)
        return AddResult(tuple(added), tuple(replaced), tuple(skipped) + tuple(repeated))

    def remove(self, ids: Iterable[str]) -> list[str]:
        """Remove documents by id in one transaction; returns the ids that were there."""
        return self._store.remove(list(dict.fromkeys(ids)))

    # --- reading ------------------------------------------------------------------------------

    def query(self, doc: Document | str, threshold: float | None = None, k: int = 10,
              passages: bool = True, options: PassageOptions | None = None) -> list[Match]:
        """The indexed documents ``doc`` repeats, best first, at most ``k``. An empty query
        (no words) matches nothing. The query itself is not added; a stored document with the
        query's id is left out of the answer."""
        if isinstance(doc, str):
            doc = Document("query", doc)
        threshold = self.threshold if threshold is None else threshold
        chunk = prepare(doc.text)
        sigs, counts = sign_bytes([chunk], self.shingle_size, self.num_perm, self.seed)
        if counts[0] == 0:
            return []
        bands = band_keys(sigs, self.bands, self.rows).view(np.int64)[0]
        sents = (np.unique(sentence_keys([chunk])[0]).view(np.int64) if passages
                 else np.empty(0, np.int64))
        near, shared = self._store.candidates(bands, sents)
        near.discard(doc.id)
        shared.pop(doc.id, None)
        rows = self._store.signatures(sorted(near | set(shared)))
        scored = []
        for id_, sig in rows.items():
            other = np.frombuffer(sig, dtype="<u4")
            sim = 0.0 if (other == EMPTY).all() else float(np.count_nonzero(other == sigs[0])) \
                / self.num_perm
            scored.append((sim, shared.get(id_, 0), id_))
        # near-duplicates first, most similar first; then the most shared sentence keys
        scored.sort(key=lambda x: (x[0] < threshold, -x[0] if x[0] >= threshold else -x[1],
                                   -x[1], -x[0], x[2]))
        matches: list[Match] = []
        checked = 0  # candidates aligned only for their shared sentence keys
        for sim, n_shared, id_ in scored:
            if len(matches) >= k:
                break
            if sim < threshold:
                if not (passages and n_shared >= MIN_SHARED_KEYS and checked < k):
                    continue
                checked += 1
            text, meta_json = self._store.document(id_)
            found = tuple(align(doc, Document(id_, text), options)) if passages else ()
            if sim >= threshold or found:
                meta = json.loads(meta_json)
                matches.append(Match(id_, sim, found, meta.get("outlet"), meta.get("published"),
                                     meta.get("title"), meta.get("url")))
        return matches

    def get(self, id_: str) -> Document | None:
        """The stored document, or None."""
        try:
            text, meta = self._store.document(id_)
        except KeyError:
            return None
        m = json.loads(meta)
        return Document(id_, text, outlet=m.get("outlet"), url=m.get("url"),
                        published=m.get("published"), title=m.get("title"),
                        author=m.get("author"), path=m.get("path"))

    def __len__(self) -> int:
        return self._store.count()

    def __contains__(self, id_: str) -> bool:
        return self._store.has(id_)

    def stats(self) -> dict:
        """Location, backend, format, settings, document count and storage figures."""
        return {"location": self.location, "backend": self._store.name, "format": FORMAT,
                "documents": len(self), "threshold": self.threshold, "num_perm": self.num_perm,
                "seed": self.seed, "shingle_size": self.shingle_size, "bands": self.bands,
                "rows": self.rows, **self._store.stats()}

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- SQLite -------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, text BLOB NOT NULL, meta TEXT NOT NULL,
    published TEXT, shingles INTEGER NOT NULL, signature BLOB NOT NULL, bands BLOB NOT NULL,
    sentences BLOB NOT NULL, added TEXT NOT NULL);
CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc))
    WITHOUT ROWID;
CREATE TABLE sentences (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc))
    WITHOUT ROWID;
"""


def _rows(parts: list[tuple[np.ndarray, int]]) -> list[tuple[int, int]]:
    """(key, document row) pairs in key order: neighbouring inserts then land on the same
    B-tree pages (2x faster adds, measured with benchmarks/index.py)."""
    if not parts:
        return []
    keys = np.concatenate([k for k, _ in parts])
    owners = np.repeat([r for _, r in parts], [len(k) for k, _ in parts])
    order = np.lexsort((owners, keys))
    return list(zip(keys[order].tolist(), owners[order].tolist(), strict=True))


class SQLiteStore:
    """One SQLite file in WAL mode; every write is one ``BEGIN IMMEDIATE`` transaction."""

    name = "sqlite"

    def __init__(self, path: str, settings: dict) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            # 16 KB pages (a no-op on an existing file) and checkpoints every 5,000 pages: each
            # batch touches leaf pages all over the random-key tables, so fewer, larger page
            # writes add 36% more documents a second (measured with benchmarks/index.py).
            self.db.execute("PRAGMA page_size=16384")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA wal_autocheckpoint=5000")
            self.db.execute("PRAGMA cache_size=-262144")  # up to 256 MB of pages
            tables = {r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                self._create(settings)
            elif "meta" not in tables or "docs" not in tables:
                raise IndexError_(f"{path}: a SQLite file, but not a provenance index (no "
                                  "meta/docs tables); choose another file")
            self.settings = dict(self.db.execute("SELECT key, value FROM meta"))
            self.db.execute("SELECT count(*) FROM docs").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{path}: not a provenance index or damaged ({exc}); restore it "
                              "from a backup, or rebuild it with 'provenance index add'") from exc
        found = self.settings.get("format")
        if found != str(FORMAT):
            raise IndexError_(f"{path}: index format {found}, but this provenance reads format "
                              f"{FORMAT}; rebuild the index with 'provenance index add'")

    def _create(self, settings: dict) -> None:
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                [(k, str(v)) for k, v in settings.items()])

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self):
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, kind, exc, tb) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def _write(self):
        return self._Tx(self.db)

    def _guard(self, func, *args):
        try:
            return func(*args)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{self.path}: {exc}; the index may be damaged: restore it from "
                              "a backup or rebuild it") from exc

    def add(self, entries: list[_Entry], on_duplicate: str):
        return self._guard(self._add, entries, on_duplicate)

    def _add(self, entries, on_duplicate):
        added, replaced, skipped = [], [], []
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write() as db:
            existing = {}
            ids = [e.id for e in entries]
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                existing.update(db.execute(
                    f"SELECT id, rowid FROM docs WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall())
            if existing and on_duplicate == "error":
                raise IndexError_(f"{self.path}: {len(existing)} ids already indexed (first: "
                                  f"{sorted(existing)[0]}); nothing was added. Use "
                                  "on_duplicate='replace' or 'skip'")
            band_parts, sentence_parts, doc_rows = [], [], []
            row = db.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]
            for e in entries:
                if e.id in existing:
                    if on_duplicate == "skip":
                        skipped.append(e.id)
                        continue
                    self._delete(db, existing[e.id])
                    replaced.append(e.id)
                else:
                    added.append(e.id)
                row += 1  # this transaction is the only writer (BEGIN IMMEDIATE)
                doc_rows.append((row, e.id, e.text, e.meta, e.published, e.shingles,
                                 e.signature, e.bands.tobytes(), e.sentences.tobytes(), now))
                band_parts.append((e.bands, row))
                sentence_parts.append((e.sentences, row))
            db.executemany("INSERT INTO docs (rowid, id, text, meta, published, shingles, "
                           "signature, bands, sentences, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                           "?, ?)", doc_rows)
            for table, parts in (("bands", band_parts), ("sentences", sentence_parts)):
                db.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?, ?)", _rows(parts))
        return added, replaced, skipped

    def _delete(self, db, row: int) -> None:
        bands, sents = db.execute("SELECT bands, sentences FROM docs WHERE rowid = ?",
                                  (row,)).fetchone()
        db.executemany("DELETE FROM bands WHERE key = ? AND doc = ?",
                       [(int(k), row) for k in np.frombuffer(bands, np.int64)])
        db.executemany("DELETE FROM sentences WHERE key = ? AND doc = ?",
                       [(int(k), row) for k in np.frombuffer(sents, np.int64)])
        db.execute("DELETE FROM docs WHERE rowid = ?", (row,))

    def remove(self, ids: list[str]) -> list[str]:
        def go():
            gone = []
            with self._write() as db:
                for id_ in ids:
                    row = db.execute("SELECT rowid FROM docs WHERE id = ?", (id_,)).fetchone()
                    if row:
                        self._delete(db, row[0])
                        gone.append(id_)
            return gone
        return self._guard(go)

    def candidates(self, bands: np.ndarray, sents: np.ndarray) -> tuple[set[str], dict[str, int]]:
        def go():
            near = set()
            if len(bands):
                marks = ",".join("?" * len(bands))
                near = {r[0] for r in self.db.execute(
                    f"SELECT DISTINCT d.id FROM bands b JOIN docs d ON d.rowid = b.doc "
                    f"WHERE b.key IN ({marks})", [int(k) for k in bands])}
            shared: dict[str, int] = {}
            keys = [int(k) for k in sents]
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                common = {r[0] for r in self.db.execute(
                    f"SELECT key FROM sentences WHERE key IN ({marks}) GROUP BY key "
                    f"HAVING count(*) > {COMMON_KEY}", chunk)}
                use = [k for k in chunk if k not in common]
                if not use:
                    continue
                marks = ",".join("?" * len(use))
                for id_, n in self.db.execute(
                        f"SELECT d.id, count(*) FROM sentences s JOIN docs d ON d.rowid = s.doc "
                        f"WHERE s.key IN ({marks}) GROUP BY d.id", use):
                    shared[id_] = shared.get(id_, 0) + n
            return near, shared
        return self._guard(go)

    def signatures(self, ids: list[str]) -> dict[str, bytes]:
        def go():
            out = {}
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                out.update(self.db.execute(
                    f"SELECT id, signature FROM docs WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall())
            return out
        return self._guard(go)

    def document(self, id_: str) -> tuple[str, str]:
        row = self._guard(lambda: self.db.execute("SELECT text, meta FROM docs WHERE id = ?",
                                                  (id_,)).fetchone())
        if row is None:
            raise KeyError(id_)
        return zlib.decompress(row[0]).decode("utf-8", "surrogatepass"), row[1]

    def count(self) -> int:
        return self._guard(lambda: self.db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def has(self, id_: str) -> bool:
        return self._guard(lambda: self.db.execute("SELECT 1 FROM docs WHERE id = ?",
                                                   (id_,)).fetchone() is not None)

    def stats(self) -> dict:
        def go():
            pages = self.db.execute("PRAGMA page_count").fetchone()[0]
            size = self.db.execute("PRAGMA page_size").fetchone()[0]
            return {"bytes": pages * size,
                    "band_keys": self.db.execute("SELECT count(*) FROM bands").fetchone()[0],
                    "sentence_keys":
                        self.db.execute("SELECT count(*) FROM sentences").fetchone()[0]}
        return self._guard(go)

    def close(self) -> None:
        self.db.close()
