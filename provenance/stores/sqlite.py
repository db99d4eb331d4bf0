"""The SQLite backend of :class:`index.Index`: one file, embedded, no server.

**Key runs, not key rows.** A document has about 85 keys (its band keys and sentence keys). One
table row per key made every add touch B-tree pages all over two large tables; adds slowed as
the index grew (1,100 documents a second at 100k, measured with ``benchmarks/index.py``). Here
the keys of each ``add`` are sorted once (numpy) and written as one *run*: a sorted array of
``(key, document row)`` entries cut into blocks of :data:`BLOCK` entries, a few BLOB rows, plus a
*fence* (the first key of every block) to find the block a key is in. Runs are never changed,
only merged: when :data:`FANOUT` runs are of the same size class (a level: entries in powers of
``FANOUT`` above :data:`BASE`), they are merged into one (numpy again) inside the same
transaction. An index of N entries holds a handful of runs per level and writes each entry about
log_FANOUT(N / BASE) times -- sequential BLOB writes, not random B-tree inserts.

A band key and a sentence key never meet: band keys are stored with their lowest bit set,
sentence keys with it clear.

**Removal is lazy.** Removing or replacing a document deletes its ``docs`` row; its entries stay
in their run until a merge drops them, and queries ignore entries whose document row is gone.
The ``dead`` table lists such rows while a run's range of document rows (``min_doc`` to
``max_doc``) still covers them; merges read only the dead rows in their runs' ranges, so it
stays small however many documents are replaced over the years. Document rows are numbered by
``meta.next_doc`` and never reused, so a stale entry can never point at another document.
:meth:`SQLiteStore.compact` merges every run into one and empties ``dead``.

**Queries** look each of their keys up in every run: in a large run, by reading the block the
fence names (a sentence key spanning more blocks than :data:`COMMON_KEY` entries fill is common:
its blocks are not read); a small run (at most :data:`SMALL_RUN` entries, as many adds of a few
documents leave) is read whole by the first query that needs it and kept in memory, so many small
runs cost a query little.

**Template counts** (``tstats``, ``tdocs``; see ``stores.base``): an add or remove adds its
documents' feature pairs up per key in memory, hands them to SQLite as one temporary table, and
applies them with a few set statements (an upsert a key), in the add's transaction.

**Consistency.** WAL mode; every add, remove and compact is one ``BEGIN IMMEDIATE`` transaction
(other writers wait up to 60 s); a query reads one snapshot. Runs and blocks are immutable, so
fences are cached per run id (ids are never reused).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import numpy as np

from provenance.documents import Document
from provenance.errors import StoreError
from provenance.stores.base import (
    COMMON_KEY,
    GENERATION_META,
    TEMPLATES_META,
    Batch,
    DuplicateIdsError,
    Problem,
    StoredRow,
    read_settings,
    signature_bytes,
)

__all__ = ["BASE", "BLOCK", "FANOUT", "SMALL_RUN", "SQLiteStore", "file_uri"]

BLOCK = 256  # entries per block (> COMMON_KEY: a sentence key filling a block is common)
FANOUT = 4  # runs of one level merged at once
BASE = 4096  # entries of the smallest level
SMALL_RUN = 1 << 18
"""A run of at most this many entries (3 MB) is read whole by the first query that needs it and
kept in memory (at most three runs a level, levels 0-2: under 30 MB)."""
_MAX_DOC = 2**32 - 1  # entries store document rows as uint32
_BAND, _SENTENCE = np.uint64(1), np.uint64(0)
_LOW = np.uint64(1)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, text BLOB NOT NULL, meta TEXT NOT NULL,
    published TEXT, shingles INTEGER NOT NULL, signature BLOB NOT NULL, added TEXT NOT NULL);
CREATE TABLE runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT, level INTEGER NOT NULL, entries INTEGER NOT NULL,
    first INTEGER NOT NULL, blocks INTEGER NOT NULL, min_doc INTEGER NOT NULL,
    max_doc INTEGER NOT NULL, fence BLOB NOT NULL);
CREATE TABLE blocks (rowid INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL);
CREATE TABLE dead (doc INTEGER PRIMARY KEY);
"""

_TEMPLATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS tstats (
    key INTEGER PRIMARY KEY, docs INTEGER NOT NULL, variants INTEGER NOT NULL DEFAULT 0,
    text TEXT, example TEXT);
CREATE INDEX IF NOT EXISTS tstats_hot ON tstats(docs) WHERE docs >= 2;
CREATE TABLE IF NOT EXISTS tdocs (doc INTEGER PRIMARY KEY, keys BLOB NOT NULL);
"""


def file_uri(path: str, query: str) -> str:
    """An SQLite ``file:`` URI for ``path`` with every special character escaped (a ``#``,
    ``?`` or ``%`` in a file name is part of the name, not of the URI)."""
    return f"file:{quote(os.path.abspath(path))}?{query}"


def level_of(entries: int) -> int:
    """The size class of a run of ``entries`` entries."""
    level, size = 0, BASE
    while entries >= size * FANOUT:
        level, size = level + 1, size * FANOUT
    return level


def sort_entries(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entries in (key, doc) order, each pair once."""
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    if len(keys) > 1:
        new = np.ones(len(keys), dtype=bool)
        new[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        keys, docs = keys[new], docs[new]
    return keys, docs


def sorted_hits(keys: np.ndarray, look: np.ndarray) -> np.ndarray:
    """The positions of the entries of ``keys`` that are in ``look`` (sorted, unique), in
    ascending order, where ``keys`` is a few ascending stretches (blocks of sorted runs read in
    rowid order): each stretch is searched for the looked-up keys (a few binary searches), not
    each entry looked up. The same positions as ``np.flatnonzero(np.isin(keys, look))``
    (:func:`sorted_hits_reference`, which tests compare it to)."""
    if len(keys) == 0 or len(look) == 0:
        return np.zeros(0, dtype=np.int64)
    bounds = np.r_[0, np.flatnonzero(keys[1:] < keys[:-1]) + 1, len(keys)]
    parts = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        stretch = keys[lo:hi]
        a = np.searchsorted(stretch, look, "left")
        n = np.searchsorted(stretch, look, "right") - a
        if n.any():
            a, n = a[n > 0], n[n > 0]
            parts.append(lo + np.repeat(a - np.cumsum(n) + n, n) + np.arange(int(n.sum())))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def sorted_hits_reference(keys: np.ndarray, look: np.ndarray) -> np.ndarray:
    """:func:`sorted_hits` the plain way: every entry looked up."""
    return np.flatnonzero(np.isin(keys, look))


def block_ranges(fence: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each sorted-run lookup key, the first and last block that can hold it (``last`` is -1
    when the key is below the run's first key). A key's entries may start at the end of the
    block before the first block whose fence equals it."""
    first = np.maximum(np.searchsorted(fence, keys, "left") - 1, 0)
    last = np.searchsorted(fence, keys, "right") - 1
    return first, last


def _create(path: Path, meta: dict[str, str]) -> None:
    """Make a new index file at ``path`` whole or not at all: built under a temporary name in
    the same folder and linked into place only if nothing is there yet (another process that
    created it first wins; an index file is never seen half made, so a 0-byte file at the path
    is never ours)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.creating")
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA page_size=16384")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN")
            for statement in (_SCHEMA + _TEMPLATE_SCHEMA).split(";"):
                if statement.strip():
                    db.execute(statement)
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           [*meta.items(), ("next_doc", "1")])
            db.execute("COMMIT")
        finally:
            db.close()  # the last connection: the WAL is checkpointed and removed
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first; open theirs
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def _doc_chunks(db: sqlite3.Connection, size: int = 1000) -> Iterator[list[tuple]]:
    """The stored documents as ``(rowid, id, text, meta, signature)`` rows, ``size`` at a time
    in rowid order (bounded memory however large the index)."""
    after = 0
    while chunk := db.execute("SELECT rowid, id, text, meta, signature FROM docs "
                              "WHERE rowid > ? ORDER BY rowid LIMIT ?", (after, size)).fetchall():
        after = chunk[-1][0]
        yield chunk


class SQLiteStore:
    """One SQLite file in WAL mode; every write is one ``BEGIN IMMEDIATE`` transaction.

    The file is opened read-only (and every write refused, saying why) when it or its folder is
    not writable, or when ``read_only`` is asked for; in a folder where SQLite cannot keep the
    WAL's shared memory, it is opened immutable (a published copy nobody writes)."""

    name = "sqlite"

    def __init__(self, path: str, settings: dict[str, str], *, create: bool = True,
                 read_only: bool = False) -> None:
        self.path = self.location = path
        self._fences: dict[int, np.ndarray] = {}
        self._small: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._has_counts: bool | None = None
        file = Path(path)
        folder = file.parent
        if file.is_dir():
            raise StoreError(f"{path}: a folder, not an index file; give a file in it, such as "
                             f"{file / 'archive.db'}")
        if not file.exists():
            if not folder.is_dir():
                raise StoreError(f"{path}: the folder {folder} does not exist; create it "
                                 f"(mkdir -p {folder}) or give another path")
            if not create or read_only:
                raise StoreError(f"{path}: no such index; create it with 'provenance index "
                                 f"add {path} ARTICLES'")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StoreError(f"{path}: cannot create an index there: the folder {folder} is "
                                 "not writable; give a path in a writable folder")
            try:
                _create(file, settings)
            except (sqlite3.DatabaseError, OSError) as exc:
                raise StoreError(f"{path}: cannot create the index ({exc}); give a path in a "
                                 "writable folder with free space") from None
        elif file.stat().st_size == 0:
            raise StoreError(f"{path}: an empty file (0 bytes), not an index -- a failed copy? "
                             "Restore it from a backup, or delete it to start a new index there")
        if not os.access(file, os.R_OK):
            raise StoreError(f"{path}: not readable (permissions); ask its owner, or give "
                             "another index")
        self.read_only = read_only or not (os.access(file, os.W_OK)
                                           and os.access(folder, os.W_OK | os.X_OK))
        try:
            self.db = self._connect(file)
            tables = {r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if "meta" not in tables or "docs" not in tables:
                raise StoreError(f"{path}: a SQLite file, but not a provenance index (no "
                                 "meta/docs tables); choose another file")
            self.settings = dict(self.db.execute("SELECT key, value FROM meta"))
            first = self.db.execute("SELECT id, length(signature) FROM docs ORDER BY rowid "
                                    "LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a provenance index or damaged ({exc}); restore it "
                             "from a backup, or rebuild it with 'provenance index add'") from None
        found = read_settings(self.settings, path)
        if first is not None and first[1] != 4 * found.num_perm:
            raise StoreError(f"{path}: the index setting num_perm is {found.num_perm}, but the "
                             f"stored signatures hold {first[1] // 4} values (document "
                             f"{first[0]!r}); the settings were edited: restore num_perm, or "
                             "rebuild the index")
        if not str(self.settings.get("next_doc", "")).isdigit():
            raise StoreError(f"{path}: the index setting 'next_doc' is "
                             f"{self.settings.get('next_doc')!r}, not a whole number; the "
                             "index's meta is damaged: restore it from a backup")

    def _connect(self, file: Path) -> sqlite3.Connection:
        if not self.read_only:
            db = sqlite3.connect(file, timeout=60, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                self._tune(db)
                return db
            except sqlite3.OperationalError as exc:
                if "readonly" not in str(exc) and "read-only" not in str(exc):
                    raise
                db.close()  # a read-only file system (or a root-owned mount): read it only
                self.read_only = True
        db = sqlite3.connect(file_uri(str(file), "mode=ro"), uri=True, timeout=60,
                             isolation_level=None)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # no shared memory for the WAL in a read-only folder
            db.close()
            wal = Path(f"{file}-wal")
            if wal.exists() and wal.stat().st_size:
                raise StoreError(f"{self.path}: read-only, and its last writes are still in "
                                 f"{wal} (not merged into the file); open it once where it is "
                                 "writable, or copy it with 'sqlite3 SRC .backup DEST'") from None
            db = sqlite3.connect(file_uri(str(file), "mode=ro&immutable=1"), uri=True,
                                 isolation_level=None)
        self._tune(db)
        return db

    @staticmethod
    def _tune(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA wal_autocheckpoint=5000")
        db.execute("PRAGMA cache_size=-262144")  # up to 256 MB of pages
        db.execute("PRAGMA temp_store=MEMORY")  # the batch's template counts (tbatch)

    class _Tx:
        def __init__(self, db: sqlite3.Connection, begin: str) -> None:
            self.db, self.begin = db, begin

        def __enter__(self):
            self.db.execute(self.begin)
            return self.db

        def __exit__(self, kind, exc, tb) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def _write(self):
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only (the file or its folder is not "
                             "writable); adding, removing and compacting need a writable copy: "
                             "copy the file into a writable folder")
        return self._Tx(self.db, "BEGIN IMMEDIATE")

    def _read(self):
        return self._Tx(self.db, "BEGIN")

    def _guard(self, func, *args):
        try:
            return func(*args)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}; the index may be damaged: run 'provenance "
                             f"index check {self.path}', restore it from a backup or rebuild "
                             "it") from None

    # --- writing ------------------------------------------------------------------------------

    def add(self, batch: Batch, on_duplicate: str):
        return self._guard(self._add, batch, on_duplicate)

    def _add(self, batch: Batch, on_duplicate: str):
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write() as db:
            existing: dict[str, int] = {}
            for start in range(0, len(batch.ids), 900):
                chunk = batch.ids[start : start + 900]
                existing.update(db.execute(
                    f"SELECT id, rowid FROM docs WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall())
            if existing and on_duplicate == "error":
                found = sorted(existing)
                raise DuplicateIdsError(f"{self.path}: {len(found)} ids already indexed (first: "
                                        f"{found[0]}); this add changed nothing", found)
            if on_duplicate == "skip":
                keep = [i for i, id_ in enumerate(batch.ids) if id_ not in existing]
            else:
                keep = list(range(len(batch.ids)))
                self._forget(db, list(existing.values()))
            first = int(db.execute("SELECT value FROM meta WHERE key = 'next_doc'").fetchone()[0])
            if first + len(keep) > _MAX_DOC:
                raise StoreError(f"{self.path}: more than {_MAX_DOC:,} documents were ever "
                                 "added; rebuild the index into a new file")
            rows = np.zeros(len(batch.ids), dtype=np.uint32)
            rows[keep] = np.arange(first, first + len(keep), dtype=np.uint32)
            db.executemany(
                "INSERT INTO docs (rowid, id, text, meta, published, shingles, signature, added)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(int(rows[i]), batch.ids[i], batch.texts[i], batch.metas[i],
                  batch.published[i], int(batch.shingles[i]), signature_bytes(batch.signatures[i]),
                  now) for i in keep])
            db.execute("UPDATE meta SET value = ? WHERE key = 'next_doc'",
                       (str(first + len(keep)),))
            kept = np.zeros(len(batch.ids), dtype=bool)
            kept[keep] = True
            bands = kept & (batch.shingles > 0)
            owners = np.repeat(np.arange(len(batch.ids)), np.diff(batch.offsets))
            sentences = kept[owners]
            keys = np.concatenate([batch.bands[bands].ravel() | _BAND,
                                   batch.sentences[sentences] & ~_LOW])
            docs = np.concatenate([np.repeat(rows[bands], batch.bands.shape[1]),
                                   rows[owners[sentences]]])
            if len(keys):
                self._write_run(db, *sort_entries(keys, docs))
            self._merge(db, everything=False)
            if batch.features and self._counted(db):
                self._count_features(db, [(int(rows[i]), *batch.feature_parts(i))
                                          for i in keep])
            self._bump(db)
        existing_set = set(existing)
        if on_duplicate == "skip":
            return ([id_ for id_ in batch.ids if id_ not in existing_set], [],
                    [id_ for id_ in batch.ids if id_ in existing_set])
        return ([id_ for id_ in batch.ids if id_ not in existing_set],
                [id_ for id_ in batch.ids if id_ in existing_set], [])

    def _forget(self, db, rows: list[int]) -> None:
        """Delete document rows; their entries become stale until merged away. Their template
        counts are taken away at once."""
        if rows:
            db.executemany("DELETE FROM docs WHERE rowid = ?", [(r,) for r in rows])
            db.executemany("INSERT OR IGNORE INTO dead VALUES (?)", [(r,) for r in rows])
            if self._counted(db):
                pairs = []
                for start in range(0, len(rows), 900):
                    chunk = rows[start : start + 900]
                    for blob, in db.execute(f"SELECT keys FROM tdocs WHERE doc IN "
                                            f"({','.join('?' * len(chunk))})", chunk):
                        if not isinstance(blob, bytes) or len(blob) % 16:
                            raise self._damaged_templates("a document's feature list")
                        pairs.append(np.frombuffer(blob, dtype="<i8").reshape(-1, 2))
                    db.executemany("DELETE FROM tdocs WHERE doc = ?", [(r,) for r in chunk])
                if pairs:
                    self._apply_counts(db, np.concatenate(pairs), -1, {})

    # --- template counts ----------------------------------------------------------------------

    def _counted(self, db) -> bool:
        """Whether this file keeps template counts (an index made before them does not, until
        :meth:`rebuild_template_counts`)."""
        if self._has_counts is None:
            self._has_counts = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' "
                                          "AND name='tstats'").fetchone() is not None
        return self._has_counts

    def _bump(self, db) -> None:
        db.execute("INSERT INTO meta VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = "
                   "CAST(CAST(value AS INTEGER) + 1 AS TEXT)", (GENERATION_META,))

    def _damaged_templates(self, what: str) -> StoreError:
        return StoreError(f"{self.path}: the template counts are damaged ({what}); restore "
                          "the index from a backup, or rebuild it with 'provenance index add'")

    def _count_features(self, db, docs: list[tuple[int, np.ndarray, dict]]) -> None:
        """Add documents' features: ``(document row, (key, parent) pairs, key -> (text,
        example))`` each."""
        if not docs:
            return
        db.executemany("INSERT OR REPLACE INTO tdocs (doc, keys) VALUES (?, ?)",
                       [(row, pairs.astype("<i8").tobytes()) for row, pairs, _ in docs])
        texts: dict[int, tuple[str, str | None]] = {}
        for _, _, found in docs:
            for key, (text, example) in found.items():
                old = texts.get(key)
                if old is None or (example is not None and (old[1] is None or example < old[1])):
                    texts[key] = (text, example)
        self._apply_counts(db, np.concatenate([p for _, p, _ in docs]), 1, texts)

    def _apply_counts(self, db, pairs: np.ndarray, sign: int,
                      texts: dict[int, tuple[str, str | None]]) -> None:
        """Add (``sign`` 1) or take away (-1) features' counts: the batch's pairs are added up
        per key first, given to SQLite as one temporary table, and applied by four set
        statements (one upsert a key, not a Python round trip a row)."""
        if not len(pairs):
            return
        keys, first, n = np.unique(pairs[:, 0], return_index=True, return_counts=True)
        parents = pairs[first, 1]
        db.execute("CREATE TEMP TABLE IF NOT EXISTS tbatch (key INTEGER PRIMARY KEY, "
                   "parent INTEGER NOT NULL, n INTEGER NOT NULL, text TEXT, example TEXT)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS tvar (parent INTEGER PRIMARY KEY, "
                   "d INTEGER NOT NULL)")
        db.execute("DELETE FROM temp.tbatch")
        db.execute("DELETE FROM temp.tvar")
        none = (None, None)
        db.executemany("INSERT INTO temp.tbatch VALUES (?, ?, ?, ?, ?)",
                       [(k, p, c, *texts.get(k, none)) for k, p, c in
                        zip(keys.tolist(), parents.tolist(), n.tolist(), strict=True)])
        if sign > 0:
            # a variant held by no document before: its parent has one more variant
            db.execute("INSERT INTO temp.tvar SELECT parent, count(*) FROM temp.tbatch b "
                       "WHERE parent != 0 AND NOT EXISTS (SELECT 1 FROM tstats t "
                       "WHERE t.key = b.key) GROUP BY parent")
            db.execute("INSERT INTO tstats (key, docs, variants, text, example) "
                       "SELECT key, n, 0, text, example FROM temp.tbatch WHERE true "
                       "ON CONFLICT(key) DO UPDATE SET docs = docs + excluded.docs, "
                       "example = CASE WHEN excluded.example IS NOT NULL AND (example IS NULL "
                       "OR excluded.example < example) THEN excluded.example ELSE example END")
        else:
            # a variant no document holds any more: its parent has one variant less
            db.execute("INSERT INTO temp.tvar SELECT b.parent, -count(*) FROM temp.tbatch b "
                       "JOIN tstats t ON t.key = b.key WHERE b.parent != 0 AND t.docs <= b.n "
                       "GROUP BY b.parent")
            db.execute("DELETE FROM tstats WHERE key IN (SELECT b.key FROM temp.tbatch b "
                       "JOIN tstats t ON t.key = b.key WHERE t.docs <= b.n)")
            db.execute("UPDATE tstats SET docs = docs - (SELECT n FROM temp.tbatch b WHERE "
                       "b.key = tstats.key) WHERE key IN (SELECT key FROM temp.tbatch)")
        # (written as key IN (...), not UPDATE ... FROM, which scans every row of tstats)
        db.execute("UPDATE tstats SET variants = max(0, variants + (SELECT d FROM temp.tvar v "
                   "WHERE v.parent = tstats.key)) WHERE key IN (SELECT parent FROM temp.tvar)")
        db.execute("DELETE FROM temp.tbatch")

    def template_rows(self, min_documents: int):
        def go():
            with self._read() as db:
                if not self._counted(db):
                    return []
                return [tuple(r) for r in db.execute(
                    "SELECT text, docs, variants, example FROM tstats WHERE docs >= 2 AND "
                    "docs >= ? AND text IS NOT NULL ORDER BY key", (max(2, min_documents),))]
        return self._guard(go)

    def template_generation(self) -> str:
        row = self._guard(lambda: self.db.execute("SELECT value FROM meta WHERE key = ?",
                                                  (GENERATION_META,)).fetchone())
        return row[0] if row else "0"

    def has_template_counts(self) -> bool:
        row = self._guard(lambda: self.db.execute("SELECT value FROM meta WHERE key = ?",
                                                  (TEMPLATES_META,)).fetchone())
        return bool(row and row[0] == "1")

    def rebuild_template_counts(self, features_of, unpack) -> int:
        """Count every document's template features afresh, in one write transaction."""
        def go():
            done = 0
            with self._write() as db:
                for statement in _TEMPLATE_SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                self._has_counts = True
                db.execute("DELETE FROM tstats")
                db.execute("DELETE FROM tdocs")
                for chunk in _doc_chunks(db):
                    batch = features_of([unpack(StoredRow(*r[1:])) for r in chunk])
                    self._count_features(db, [(r[0], *batch.feature_parts(d))
                                              for d, r in enumerate(chunk)])
                    done += len(chunk)
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", (TEMPLATES_META,))
                self._bump(db)
            return done
        return self._guard(go)

    def _write_run(self, db, keys: np.ndarray, docs: np.ndarray) -> int:
        base = db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM blocks").fetchone()[0]
        key_bytes = keys.astype("<u8", copy=False).tobytes()
        doc_bytes = docs.astype("<u4", copy=False).tobytes()
        db.executemany("INSERT INTO blocks (rowid, keys, docs) VALUES (?, ?, ?)",
                       [(base + b, key_bytes[8 * s : 8 * (s + BLOCK)],
                         doc_bytes[4 * s : 4 * (s + BLOCK)])
                        for b, s in enumerate(range(0, len(keys), BLOCK))])
        fence = keys[::BLOCK].astype("<u8")
        return db.execute(
            "INSERT INTO runs (level, entries, first, blocks, min_doc, max_doc, fence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (level_of(len(keys)), len(keys), base, len(fence),
                                             int(docs.min()), int(docs.max()), fence.tobytes())
        ).lastrowid

    def _merge(self, db, everything: bool) -> None:
        """Merge runs: all of them (``everything``), or while a level holds FANOUT runs."""
        while True:
            runs = db.execute("SELECT run, level, first, blocks, min_doc, max_doc FROM runs "
                              "ORDER BY run").fetchall()
            if everything:
                if not runs:  # no keys anywhere: no removed document's keys either
                    db.execute("DELETE FROM dead")
                chosen = runs if len(runs) > 1 or db.execute(
                    "SELECT 1 FROM dead LIMIT 1").fetchone() else []
            else:
                levels: dict[int, list] = {}
                for r in runs:
                    levels.setdefault(r[1], []).append(r)
                full = [group for _, group in sorted(levels.items()) if len(group) >= FANOUT]
                chosen = full[0][:FANOUT] if full else []
            if not chosen:
                return
            parts = [self._entries(db, r[2], r[3]) for r in chosen]
            keys = np.concatenate([k for k, _ in parts])
            docs = np.concatenate([d for _, d in parts])
            dead = np.array([r[0] for run in chosen for r in db.execute(
                "SELECT doc FROM dead WHERE doc BETWEEN ? AND ?", run[4:6])], dtype=np.uint32)
            if len(dead):
                live = ~np.isin(docs, dead)
                keys, docs = keys[live], docs[live]
            order = np.argsort(keys, kind="stable")  # timsort: merges the sorted runs
            for run, _, first, blocks, _, _ in chosen:
                db.execute("DELETE FROM blocks WHERE rowid BETWEEN ? AND ?",
                           (first, first + blocks - 1))
                db.execute("DELETE FROM runs WHERE run = ?", (run,))
            new = self._write_run(db, keys[order], docs[order]) if len(keys) else -1
            # A removed document no run can hold any more is forgotten for good. The new run
            # holds no removed document: every dead row in its sources' ranges was dropped.
            db.execute("DELETE FROM dead WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run != ? "
                       "AND dead.doc BETWEEN runs.min_doc AND runs.max_doc)", (new,))
            if everything:
                return

    def _entries(self, db, first: int, blocks: int) -> tuple[np.ndarray, np.ndarray]:
        rows = db.execute("SELECT keys, docs FROM blocks WHERE rowid BETWEEN ? AND ? "
                          "ORDER BY rowid", (first, first + blocks - 1)).fetchall()
        if len(rows) != blocks:
            raise self._damaged_keys(f"{blocks - len(rows)} blocks of a key run are missing")
        return self._arrays([r[0] for r in rows], [r[1] for r in rows])

    def _arrays(self, keys: list, docs: list) -> tuple[np.ndarray, np.ndarray]:
        """Blocks' entries as arrays; a block whose parts disagree -> StoreError."""
        if (not all(type(k) is bytes for k in keys) or not all(type(d) is bytes for d in docs)
                or len(keys) != len(docs)):
            raise self._damaged_keys("a block's keys and documents disagree in size")
        key_sizes = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        doc_sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        if ((key_sizes % 8).any() or (doc_sizes % 4).any()
                or not np.array_equal(key_sizes // 8, doc_sizes // 4)):
            raise self._damaged_keys("a block's keys and documents disagree in size")
        return (np.frombuffer(b"".join(keys), dtype="<u8"),
                np.frombuffer(b"".join(docs), dtype="<u4"))

    def _damaged_keys(self, detail: str) -> StoreError:
        return StoreError(f"{self.path}: the key runs are damaged ({detail}); rebuild them from "
                          f"the stored texts with 'provenance index check {self.path} --repair'")

    def remove(self, ids: list[str]) -> list[str]:
        def go():
            gone = []
            with self._write() as db:
                for id_ in ids:
                    row = db.execute("SELECT rowid FROM docs WHERE id = ?", (id_,)).fetchone()
                    if row:
                        self._forget(db, [row[0]])
                        gone.append(id_)
            return gone
        return self._guard(go)

    def compact(self) -> None:
        """Merge every run into one, dropping the entries of removed documents."""
        def go():
            with self._write() as db:
                self._merge(db, everything=True)
        self._guard(go)

    # --- reading ------------------------------------------------------------------------------

    def _fence(self, run: int) -> np.ndarray:
        fence = self._fences.get(run)
        if fence is None:
            blob = self.db.execute("SELECT fence FROM runs WHERE run = ?", (run,)).fetchone()[0]
            if not isinstance(blob, bytes) or len(blob) % 8:
                raise self._damaged_keys(f"the fence of run {run} is not whole keys")
            fence = self._fences[run] = np.frombuffer(blob, dtype="<u8")
        return fence

    def candidates(self, bands: np.ndarray, sents: np.ndarray, min_shared: int):
        """``(near, shared, signatures)``: ids sharing a band key; ids sharing at least
        ``min_shared`` sentence keys -> how many (keys held by more than COMMON_KEY documents
        left out); the signatures of all of them."""
        return self._guard(self._candidates, bands, sents, min_shared)

    def _candidates(self, bands, sents, min_shared):
        query = np.unique(np.concatenate([bands.view(np.uint64) | _BAND,
                                          sents.view(np.uint64) & ~_LOW]))
        is_sentence = (query & _LOW) == _SENTENCE
        too_many = 2 + COMMON_KEY // BLOCK  # a sentence key spanning more blocks is common
        with self._read() as db:
            runs = db.execute("SELECT run, first, blocks, entries FROM runs").fetchall()
            current = {r[0] for r in runs}  # forget the runs merged away
            self._fences = {r: f for r, f in self._fences.items() if r in current}
            self._small = {r: e for r, e in self._small.items() if r in current}
            common = np.zeros(len(query), dtype=bool)
            ranges = []
            for run, first, _, _ in runs:
                lo, hi = block_ranges(self._fence(run), query)
                common |= is_sentence & (hi - lo + 1 > too_many)
                ranges.append((lo + first, hi + first))
            look = query[~common]
            if len(look) == 0:
                return set(), {}, {}
            # A small run is read whole once and kept (runs never change): a query costs it
            # two binary searches, not a block read a key. Of a large run, the blocks of the
            # keys looked up are read; a common key's blocks are not read at all (every entry
            # of another key lies in that key's own blocks).
            wanted_parts, small_keys, small_docs = [], [], []
            for (run, first, blocks, entries), (lo, hi) in zip(runs, ranges, strict=True):
                if entries <= SMALL_RUN:
                    held = self._small.get(run)
                    if held is None:
                        held = self._small[run] = self._entries(db, first, blocks)
                    run_keys, run_docs = held
                    a = np.searchsorted(run_keys, look, "left")
                    n = np.searchsorted(run_keys, look, "right") - a
                    at = np.repeat(a - np.cumsum(n) + n, n) + np.arange(int(n.sum()))
                    small_keys.append(run_keys[at])
                    small_docs.append(run_docs[at])
                    continue
                lo, hi = lo[~common], hi[~common]
                span = np.maximum(hi - lo + 1, 0)
                wanted_parts.append(np.repeat(lo - np.cumsum(span) + span, span)
                                    + np.arange(int(span.sum())))
            wanted = (np.unique(np.concatenate(wanted_parts)).tolist() if wanted_parts
                      else [])
            keys, docs = [], []
            for start in range(0, len(wanted), 500):  # in rowid order: a run's keys ascend
                chunk = wanted[start : start + 500]
                for k, d in db.execute(f"SELECT keys, docs FROM blocks WHERE rowid IN "
                                       f"({','.join('?' * len(chunk))}) ORDER BY rowid",
                                       chunk):
                    keys.append(k)
                    docs.append(d)
            block_keys, block_docs = self._arrays(keys, docs)
            at = sorted_hits(block_keys, look)
            hit_keys = np.concatenate([block_keys[at], *small_keys])
            hit_docs = np.concatenate([block_docs[at], *small_docs])
            if len(hit_keys) == 0:
                return set(), {}, {}
            band = (hit_keys & _LOW) == _BAND
            # sentence keys held by more than COMMON_KEY entries are boilerplate; entries of
            # removed documents still count here until a merge drops them
            s_keys, s_docs = hit_keys[~band], hit_docs[~band]
            _, inverse, counts = np.unique(s_keys, return_inverse=True, return_counts=True)
            s_docs = s_docs[counts[inverse] <= COMMON_KEY]
            shared_rows, shared_n = np.unique(s_docs, return_counts=True)
            enough = shared_n >= min_shared
            n_shared = dict(zip(shared_rows[enough].tolist(), shared_n[enough].tolist(),
                                strict=True))
            band_rows = set(np.unique(hit_docs[band]).tolist())
            rows = sorted(band_rows | set(n_shared))
            near, shared, sigs = set(), {}, {}
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                for row, id_, sig in db.execute(  # documents removed since are not found
                        f"SELECT rowid, id, signature FROM docs WHERE rowid IN "
                        f"({','.join('?' * len(chunk))})", chunk):
                    sigs[id_] = sig
                    if row in band_rows:
                        near.add(id_)
                    if row in n_shared:
                        shared[id_] = n_shared[row]
        return near, shared, sigs

    def document(self, id_: str) -> tuple[bytes, str]:
        row = self._guard(lambda: self.db.execute("SELECT text, meta FROM docs WHERE id = ?",
                                                  (id_,)).fetchone())
        if row is None:
            raise KeyError(id_)
        return row[0], row[1]

    def documents(self, ids: Sequence[str]) -> dict[str, tuple[bytes, str]]:
        def go():
            found = {}
            wanted = list(dict.fromkeys(ids))
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for id_, text, meta in self.db.execute(
                        f"SELECT id, text, meta FROM docs WHERE id IN "
                        f"({','.join('?' * len(chunk))})", chunk):
                    found[id_] = (text, meta)
            return found
        return self._guard(go)

    def count(self) -> int:
        return self._guard(lambda: self.db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def has(self, id_: str) -> bool:
        return self._guard(lambda: self.db.execute("SELECT 1 FROM docs WHERE id = ?",
                                                   (id_,)).fetchone() is not None)

    def stats(self) -> dict:
        def go():
            pages = self.db.execute("PRAGMA page_count").fetchone()[0]
            size = self.db.execute("PRAGMA page_size").fetchone()[0]
            runs, entries = self.db.execute(
                "SELECT count(*), coalesce(sum(entries), 0) FROM runs").fetchone()
            return {"bytes": pages * size, "runs": runs, "key_entries": entries,
                    "removed_awaiting_merge":
                        self.db.execute("SELECT count(*) FROM dead").fetchone()[0],
                    "read_only": self.read_only}
        return self._guard(go)

    # --- checking -----------------------------------------------------------------------------

    def rows(self, size: int = 1000) -> Iterator[list[StoredRow]]:
        chunks = _doc_chunks(self.db, size)
        while chunk := self._guard(lambda: next(chunks, None)):
            yield [StoredRow(id_, text, meta, sig) for _, id_, text, meta, sig in chunk]

    def check_structure(self) -> list[Problem]:
        """SQLite's own integrity check, then every run: its blocks present, keys sorted across
        blocks, the fence equal to the blocks' first keys, the counts as recorded."""
        def go():
            problems = [Problem(None, "structure", f"SQLite integrity check: {line}")
                        for (line,) in self.db.execute("PRAGMA integrity_check")
                        if line != "ok"]
            if problems:
                return problems
            with self._read() as db:
                next_doc = int(db.execute("SELECT value FROM meta WHERE key = 'next_doc'")
                               .fetchone()[0])
                top = db.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]
                if top >= next_doc:
                    problems.append(Problem(None, "structure", f"next_doc {next_doc} is not "
                                            f"above the highest document row {top}"))
                for run, entries, first, blocks, lo, hi, fence in db.execute(
                        "SELECT run, entries, first, blocks, min_doc, max_doc, fence FROM runs "
                        "ORDER BY run").fetchall():
                    problem = self._check_run(db, first, blocks, entries, lo, hi, fence)
                    if problem:
                        problems.append(Problem(None, "keys", f"key run {run}: {problem}"))
            return problems
        return self._guard(go)

    @staticmethod
    def _check_run(db, first, blocks, entries, lo, hi, fence) -> str | None:
        rows = db.execute("SELECT rowid, keys, docs FROM blocks WHERE rowid BETWEEN ? AND ? "
                          "ORDER BY rowid", (first, first + blocks - 1)).fetchall()
        if len(rows) != blocks:
            return f"{blocks - len(rows)} of its {blocks} blocks are missing"
        if not isinstance(fence, bytes) or len(fence) != 8 * blocks:
            return "its fence does not list one key a block"
        fence = np.frombuffer(fence, dtype="<u8")
        parts_k, parts_d = [], []
        for b, (_, k, d) in enumerate(rows):
            if (not isinstance(k, bytes) or not isinstance(d, bytes) or len(k) % 8
                    or len(k) // 8 != len(d) // 4 or len(d) % 4 or not k):
                return f"block {b} is damaged (sizes of its keys and documents disagree)"
            parts_k.append(np.frombuffer(k, dtype="<u8"))
            parts_d.append(np.frombuffer(d, dtype="<u4"))
            if parts_k[-1][0] != fence[b]:
                return f"block {b} does not start with the key its fence names"
        keys, docs = np.concatenate(parts_k), np.concatenate(parts_d)
        if len(keys) != entries:
            return f"{len(keys)} entries, but {entries} recorded"
        if len(keys) > 1 and (keys[1:] < keys[:-1]).any():
            return "its keys are not sorted"
        if len(docs) and (int(docs.min()) < lo or int(docs.max()) > hi):
            return "it points at document rows outside its recorded range"
        return None

    def rebuild_keys(self, keys_of: Callable[[list[Document]], Batch],
                     unpack: Callable[[StoredRow], Document]) -> int:
        """Drop every key run and write the keys again from the stored texts, in one write
        transaction (a crash leaves the old runs)."""
        def go():
            done = 0
            with self._write() as db:
                db.execute("DELETE FROM runs")
                db.execute("DELETE FROM blocks")
                db.execute("DELETE FROM dead")
                for chunk in _doc_chunks(db):
                    rows = np.array([r[0] for r in chunk], dtype=np.uint32)
                    batch = keys_of([unpack(StoredRow(*r[1:])) for r in chunk])
                    bands = batch.shingles > 0
                    owners = np.repeat(np.arange(len(chunk)), np.diff(batch.offsets))
                    keys = np.concatenate([batch.bands[bands].ravel() | _BAND,
                                           batch.sentences & ~_LOW])
                    docs = np.concatenate([np.repeat(rows[bands], batch.bands.shape[1]),
                                           rows[owners]])
                    if len(keys):
                        self._write_run(db, *sort_entries(keys, docs))
                        self._merge(db, everything=False)
                    done += len(chunk)
                self._merge(db, everything=True)
            self._fences.clear()
            self._small.clear()
            return done
        return self._guard(go)

    def close(self) -> None:
        self.db.close()

