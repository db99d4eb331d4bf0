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

**Consistency.** WAL mode; every add, remove and compact is one ``BEGIN IMMEDIATE`` transaction
(other writers wait up to 60 s); a query reads one snapshot. Runs and blocks are immutable, so
fences are cached per run id (ids are never reused).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import numpy as np

from provenance.index import COMMON_KEY, FORMAT, IndexError_, _Batch

__all__ = ["BASE", "BLOCK", "FANOUT", "SQLiteStore", "read_format_1"]

BLOCK = 256  # entries per block (> COMMON_KEY: a sentence key filling a block is common)
FANOUT = 4  # runs of one level merged at once
BASE = 4096  # entries of the smallest level
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


def block_ranges(fence: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each sorted-run lookup key, the first and last block that can hold it (``last`` is -1
    when the key is below the run's first key). A key's entries may start at the end of the
    block before the first block whose fence equals it."""
    first = np.maximum(np.searchsorted(fence, keys, "left") - 1, 0)
    last = np.searchsorted(fence, keys, "right") - 1
    return first, last


class SQLiteStore:
    """One SQLite file in WAL mode; every write is one ``BEGIN IMMEDIATE`` transaction."""

    name = "sqlite"

    def __init__(self, path: str, settings: dict) -> None:
        self.path = path
        self._fences: dict[int, np.ndarray] = {}
        try:
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA page_size=16384")  # a no-op on an existing file
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
        if found == "1":
            raise IndexError_(f"{path}: index format 1, but this provenance reads format "
                              f"{FORMAT}; copy it into a new index with 'provenance index "
                              f"upgrade {path} NEW_INDEX'")
        if found != str(FORMAT):
            raise IndexError_(f"{path}: index format {found}, but this provenance reads format "
                              f"{FORMAT}; rebuild the index with 'provenance index add'")

    def _create(self, settings: dict) -> None:
        with self._write():
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table'").fetchone():
                return  # another process created it since we looked (its lock came first)
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                [(k, str(v)) for k, v in {**settings, "next_doc": 1}.items()])

    class _Tx:
        def __init__(self, db: sqlite3.Connection, begin: str) -> None:
            self.db, self.begin = db, begin

        def __enter__(self):
            self.db.execute(self.begin)
            return self.db

        def __exit__(self, kind, exc, tb) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def _write(self):
        return self._Tx(self.db, "BEGIN IMMEDIATE")

    def _read(self):
        return self._Tx(self.db, "BEGIN")

    def _guard(self, func, *args):
        try:
            return func(*args)
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{self.path}: {exc}; the index may be damaged: restore it from "
                              "a backup or rebuild it") from exc

    # --- writing ------------------------------------------------------------------------------

    def add(self, batch: _Batch, on_duplicate: str):
        return self._guard(self._add, batch, on_duplicate)

    def _add(self, batch: _Batch, on_duplicate: str):
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write() as db:
            existing: dict[str, int] = {}
            for start in range(0, len(batch.ids), 900):
                chunk = batch.ids[start : start + 900]
                existing.update(db.execute(
                    f"SELECT id, rowid FROM docs WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall())
            if existing and on_duplicate == "error":
                raise IndexError_(f"{self.path}: {len(existing)} ids already indexed (first: "
                                  f"{sorted(existing)[0]}); nothing was added. Use "
                                  "on_duplicate='replace' or 'skip'")
            if on_duplicate == "skip":
                keep = [i for i, id_ in enumerate(batch.ids) if id_ not in existing]
            else:
                keep = list(range(len(batch.ids)))
                self._forget(db, list(existing.values()))
            first = int(db.execute("SELECT value FROM meta WHERE key = 'next_doc'").fetchone()[0])
            if first + len(keep) > _MAX_DOC:
                raise IndexError_(f"{self.path}: more than {_MAX_DOC:,} documents were ever "
                                  "added; rebuild the index into a new file")
            rows = np.zeros(len(batch.ids), dtype=np.uint32)
            rows[keep] = np.arange(first, first + len(keep), dtype=np.uint32)
            db.executemany(
                "INSERT INTO docs (rowid, id, text, meta, published, shingles, signature, added)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(int(rows[i]), batch.ids[i], batch.texts[i], batch.metas[i],
                  batch.published[i], int(batch.shingles[i]), batch.signatures[i].tobytes(),
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
        existing_set = set(existing)
        if on_duplicate == "skip":
            return ([id_ for id_ in batch.ids if id_ not in existing_set], [],
                    [id_ for id_ in batch.ids if id_ in existing_set])
        return ([id_ for id_ in batch.ids if id_ not in existing_set],
                [id_ for id_ in batch.ids if id_ in existing_set], [])

    def _forget(self, db, rows: list[int]) -> None:
        """Delete document rows; their entries become stale until merged away."""
        if rows:
            db.executemany("DELETE FROM docs WHERE rowid = ?", [(r,) for r in rows])
            db.executemany("INSERT OR IGNORE INTO dead VALUES (?)", [(r,) for r in rows])

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

    @staticmethod
    def _entries(db, first: int, blocks: int) -> tuple[np.ndarray, np.ndarray]:
        rows = db.execute("SELECT keys, docs FROM blocks WHERE rowid BETWEEN ? AND ? "
                          "ORDER BY rowid", (first, first + blocks - 1)).fetchall()
        return (np.frombuffer(b"".join(r[0] for r in rows), dtype="<u8"),
                np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4"))

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
            runs = db.execute("SELECT run, first FROM runs").fetchall()
            current = {run for run, _ in runs}  # forget the fences of runs merged away
            self._fences = {r: f for r, f in self._fences.items() if r in current}
            wanted: list[int] = []
            common = np.zeros(len(query), dtype=bool)
            for run, first in runs:
                lo, hi = block_ranges(self._fence(run), query)
                span = hi - lo + 1
                common |= is_sentence & (span > too_many)
                for a, b in zip((lo + first).tolist(), (hi + first).tolist(), strict=True):
                    wanted.extend(range(a, b + 1))
            wanted = sorted(set(wanted))
            look = query[~common]
            keys, docs = [], []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for k, d in db.execute(f"SELECT keys, docs FROM blocks WHERE rowid IN "
                                       f"({','.join('?' * len(chunk))})", chunk):
                    keys.append(k)
                    docs.append(d)
            hit_keys = np.frombuffer(b"".join(keys), dtype="<u8")
            hit_docs = np.frombuffer(b"".join(docs), dtype="<u4")
            if len(look) == 0 or len(hit_keys) == 0:
                return set(), {}, {}
            at = np.minimum(np.searchsorted(look, hit_keys), len(look) - 1)
            found = look[at] == hit_keys
            hit_keys, hit_docs = hit_keys[found], hit_docs[found]
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
                        self.db.execute("SELECT count(*) FROM dead").fetchone()[0]}
        return self._guard(go)

    def close(self) -> None:
        self.db.close()


def read_format_1(path: str, batch: int = 1000):
    """The settings and documents of a format-1 SQLite index (zlib texts, one row per key), for
    :func:`index.upgrade`: ``(settings, iterator of document batches)``."""
    import json
    import zlib

    from provenance.documents import Document

    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        settings = dict(db.execute("SELECT key, value FROM meta"))
        if settings.get("format") != "1":
            db.close()
            raise IndexError_(f"{path}: index format {settings.get('format')}, not 1; only a "
                              "format-1 index needs upgrading")
    except sqlite3.DatabaseError as exc:
        raise IndexError_(f"{path}: not a provenance index or damaged ({exc})") from exc

    def batches():
        try:
            rows = db.execute("SELECT id, text, meta FROM docs ORDER BY rowid")
            while chunk := rows.fetchmany(batch):
                out = []
                for id_, text, meta in chunk:
                    m = json.loads(meta)
                    out.append(Document(id_, zlib.decompress(text).decode("utf-8", "surrogatepass"),
                                        outlet=m.get("outlet"), url=m.get("url"),
                                        published=m.get("published"), title=m.get("title"),
                                        author=m.get("author"), path=m.get("path")))
                yield out
        except (sqlite3.DatabaseError, zlib.error, ValueError) as exc:
            raise IndexError_(f"{path}: damaged ({exc}); nothing after the last batch copied "
                              "was read") from exc
        finally:
            db.close()

    return settings, batches()
