"""A persistent, incremental index: add articles as they come, ask which earlier ones a new
article repeats, and the passages involved -- without re-scanning the archive.

``Index("archive.db")`` keeps everything in one SQLite file (embedded, no server);
``Index("redis://localhost:6379/0")`` keeps it in Redis, shared by several pipeline workers.
Both store, per document: its text (zstd), metadata (JSON), MinHash signature (raw uint32
bytes), document band keys (LSH) and sentence keys. Nothing is pickled: loading an index runs
no code.

**Query.** Candidates are documents sharing a band key with the query (near-duplicates) or at
least :data:`MIN_SHARED_KEYS` sentence keys (a repeated or lightly rewritten sentence). A
candidate is a match when its estimated Jaccard similarity reaches ``threshold`` or, with
``passages=True``, when :func:`passages.align` finds a passage it shares with the query.
Near-duplicates come first, most similar first, then documents by the number of sentence keys
they share.

**Sentence keys.** Computed by the byte kernel with the signature (``signatures.sentence_keys``):
sentences are cut cheaply (at ``.``, ``!``, ``?`` or a line break); each sentence of at least
four content words (two or more characters, not stop words) gets two keys, each the pair of
minima of its content-word hashes under two hash functions. Two sentences
whose content-word sets have Jaccard J share a key with probability 1 - (1 - J^2)^2: 0.44 at
0.5, 0.74 at 0.7, nearly 1 for a repeated sentence. They are a candidate filter; ``align``
decides. A key shared by more than :data:`COMMON_KEY` documents (boilerplate) is ignored, and
a document is a candidate for its sentence keys only when it shares at least
:data:`MIN_SHARED_KEYS` with the query (a repeated sentence gives both of its keys; one key
alone is too often chance); below the similarity threshold at most ``k`` of them are aligned,
most shared keys first.

**Storage.** SQLite keeps the keys as sorted, immutable runs merged as they grow (see
``stores.sqlite``: 5x the adds of one row per key); Redis as one set per key (``stores.redis``).

**Consistency.** Each ``add`` and ``remove`` is one transaction (SQLite: one write transaction in
WAL mode, other writers wait up to 60 s; Redis: one Lua script, which Redis runs alone, start to
end): a process killed in the middle leaves the index as it was before.
An id added again replaces the stored document (``on_duplicate="replace"``, the default), or is
skipped (``"skip"``), or fails the whole add (``"error"``).

**Format.** Version :data:`FORMAT` (the ``meta`` table, or the Redis hash ``<prefix>meta``);
an index of another version, a file that is not an index, and a damaged file each give an
:class:`IndexError_` naming the location and what to do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import zstandard

from provenance.documents import Document
from provenance.errors import ConfigError, StoreError
from provenance.options import IndexOptions, MinHashOptions
from provenance.passages.finder import Aligner, Passage, PassageOptions
from provenance.signatures import EMPTY, prepare, sentence_keys, sign_bytes
from provenance.similarity.candidates import band_keys, lsh_params

__all__ = ["COMMON_KEY", "FORMAT", "MIN_SHARED_KEYS", "AddResult", "Index", "IndexError_", "Match",
           "upgrade"]

FORMAT = 2
COMMON_KEY = 500
MIN_SHARED_KEYS = 2


IndexError_ = StoreError
"""The first release's name of :class:`provenance.errors.StoreError`."""


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


def pack_text(text: str) -> bytes:
    """A document's text as stored: zstd (level 1) of its UTF-8 (surrogates kept)."""
    return _ZSTD_OUT.compress(text.encode("utf-8", "surrogatepass"))


def unpack_text(blob: bytes) -> str:
    return _ZSTD_IN.decompress(blob).decode("utf-8", "surrogatepass")


_ZSTD_OUT = zstandard.ZstdCompressor(level=1)
_ZSTD_IN = zstandard.ZstdDecompressor()


@dataclass(frozen=True, slots=True)
class _Batch:
    """What the backends store for a batch of documents (distinct ids)."""

    ids: list[str]
    texts: list[bytes]  # pack_text
    metas: list[str]  # JSON
    published: list[str | None]
    shingles: np.ndarray  # int64, one per document
    signatures: np.ndarray  # (documents, num_perm) little-endian uint32
    bands: np.ndarray  # (documents, bands) uint64; meaningless where shingles == 0
    sentences: np.ndarray  # uint64, every document's sentence keys in turn (repeats kept)
    offsets: np.ndarray  # int64: document d's sentence keys are sentences[offsets[d]:offsets[d+1]]

    def band_keys(self, d: int) -> np.ndarray:
        return self.bands[d] if self.shingles[d] else self.bands[d, :0]

    def sentence_keys(self, d: int) -> np.ndarray:
        return np.unique(self.sentences[self.offsets[d] : self.offsets[d + 1]])


class Index:
    """A persistent index at ``location`` (a SQLite file path, or a ``redis://`` URL).

    ``threshold``, ``num_perm``, ``seed`` and ``shingle_size`` are fixed when the index is
    created (later values are ignored; the stored ones are used): the document bands are tuned
    to find pairs from ``threshold`` up. Use as a context manager, or call :meth:`close`.

    ``engine`` signs documents and computes their sentence keys: ``"numba"`` (the default: the
    compiled kernel, ~30 us a 600-word document; loading it takes about a second, once per
    process, and compiling it after an install ten or more) or ``"numpy"``/``"auto"`` (the plain
    reference: ~5 ms a document, no start-up; ``auto`` takes the kernel from 1 MB a batch).
    Both give the same signatures and keys (tested), so an index may be written with either.
    """

    def __init__(self, location: str, *, threshold: float = 0.5, num_perm: int = 128,
                 seed: int = 1, shingle_size: int = 5, engine: str = "numba",
                 options: IndexOptions | None = None) -> None:
        if options is None:
            options = IndexOptions(threshold=threshold, minhash=MinHashOptions(
                shingle=f"word:{shingle_size}", num_perm=num_perm, seed=seed, engine=engine))
        self.engine = options.minhash.engine
        self.location = str(location)
        settings = {"format": FORMAT, "threshold": options.threshold,
                    "num_perm": options.minhash.num_perm, "seed": options.minhash.seed,
                    "shingle_size": options.minhash.shingle_size}
        if re.match(r"^(redis|rediss|unix)://", self.location):
            from provenance.stores.redis import RedisStore

            self._store = RedisStore(self.location, settings)
        else:
            from provenance.stores.sqlite import SQLiteStore

            self._store = SQLiteStore(self.location, settings)
        s = self._store.settings
        self.threshold, self.num_perm = float(s["threshold"]), int(s["num_perm"])
        self.seed, self.shingle_size = int(s["seed"]), int(s["shingle_size"])
        self.bands, self.rows = lsh_params(self.threshold, self.num_perm)

    # --- writing ------------------------------------------------------------------------------

    def _batch(self, docs: Sequence[Document]) -> _Batch:
        chunks = [prepare(d.text) for d in docs]
        sigs, counts = sign_bytes(chunks, self.shingle_size, self.num_perm, self.seed,
                                  self.engine)
        sentences = sentence_keys(chunks, self.engine)
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sentences], out=offsets[1:])
        metas = [json.dumps({k: v for k, v in (
            ("outlet", d.outlet), ("published", d.published), ("title", d.title),
            ("url", d.url), ("author", d.author), ("path", d.path)) if v},
            ensure_ascii=False, sort_keys=True) for d in docs]
        return _Batch(
            ids=[d.id for d in docs], texts=[pack_text(d.text) for d in docs], metas=metas,
            published=[d.published for d in docs], shingles=np.asarray(counts, dtype=np.int64),
            signatures=np.ascontiguousarray(sigs, dtype="<u4"),
            bands=band_keys(sigs, self.bands, self.rows),
            sentences=(np.concatenate(sentences).astype(np.uint64, copy=False) if sentences
                       else np.empty(0, np.uint64)),
            offsets=offsets)

    def add(self, docs: Iterable[Document], on_duplicate: str = "replace") -> AddResult:
        """Add documents in one transaction (all or nothing). See the module's docstring for
        ids already in the index."""
        if on_duplicate not in ("replace", "skip", "error"):
            raise ConfigError(f"on_duplicate {on_duplicate!r} is not one of replace, skip, error")
        batch: dict[str, Document] = {}
        repeated: list[str] = []
        for d in docs:
            if d.id in batch:
                repeated.append(d.id)
            batch[d.id] = d  # the last one wins
        if not batch:
            return AddResult()
        added, replaced, skipped = self._store.add(self._batch(list(batch.values())),
                                                   on_duplicate)
        return AddResult(tuple(added), tuple(replaced), tuple(skipped) + tuple(repeated))

    @staticmethod
    def add_stream(location: str, docs: Iterable[Document], *, batch: int = 1000,
                   on_duplicate: str = "replace", **settings) -> Iterator[tuple[AddResult, Index]]:
        """Add a stream of documents to the index at ``location``, ``batch`` documents a
        transaction, yielding each batch's :class:`AddResult` with the open index. The index
        is opened (or created, with ``settings``) only when the first document arrives, so an
        input with no document creates nothing; it is closed when the stream ends. An error in
        a later batch says how many documents the earlier batches committed."""
        ix: Index | None = None
        pending: list[Document] = []
        committed = 0

        def flush() -> AddResult:
            nonlocal committed
            try:
                result = ix.add(pending, on_duplicate=on_duplicate)
            except StoreError as exc:
                if committed:
                    raise StoreError(f"{exc} (this batch was not added; the {committed:,} "
                                     "documents of earlier batches were)") from exc
                raise
            committed += len(result.added) + len(result.replaced)
            pending.clear()
            return result

        try:
            for doc in docs:
                if ix is None:
                    ix = Index(location, **settings)
                pending.append(doc)
                if len(pending) >= batch:
                    yield flush(), ix
            if pending:
                yield flush(), ix
        finally:
            if ix is not None:
                ix.close()

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
        sigs, counts = sign_bytes([chunk], self.shingle_size, self.num_perm, self.seed,
                                  self.engine)
        if counts[0] == 0:
            return []
        bands = band_keys(sigs, self.bands, self.rows).view(np.int64)[0]
        sents = (np.unique(sentence_keys([chunk], self.engine)[0]).view(np.int64) if passages
                 else np.empty(0, np.int64))
        near, shared, rows = self._store.candidates(bands, sents, MIN_SHARED_KEYS)
        near.discard(doc.id)
        shared.pop(doc.id, None)
        rows.pop(doc.id, None)
        scored = []
        for id_, sig in sorted(rows.items()):
            other = np.frombuffer(sig, dtype="<u4")
            sim = 0.0 if (other == EMPTY).all() else float(np.count_nonzero(other == sigs[0])) \
                / self.num_perm
            scored.append((sim, shared.get(id_, 0), id_))
        # near-duplicates first, most similar first; then the most shared sentence keys
        scored.sort(key=lambda x: (x[0] < threshold, -x[0] if x[0] >= threshold else -x[1],
                                   -x[1], -x[0], x[2]))
        matches: list[Match] = []
        checked = 0  # candidates aligned only for their shared sentence keys
        aligner = None
        for sim, n_shared, id_ in scored:
            if len(matches) >= k:
                break
            if sim < threshold:
                if not (passages and n_shared >= MIN_SHARED_KEYS and checked < k):
                    continue
                checked += 1
            try:
                blob, meta_json = self._store.document(id_)
            except KeyError:  # removed since the candidates were read
                continue
            if passages and aligner is None:
                aligner = Aligner(doc, options)
            found = tuple(aligner(Document(id_, unpack_text(blob)))) if passages else ()
            if sim >= threshold or found:
                meta = json.loads(meta_json)
                matches.append(Match(id_, sim, found, meta.get("outlet"), meta.get("published"),
                                     meta.get("title"), meta.get("url")))
        return matches

    def get(self, id_: str) -> Document | None:
        """The stored document, or None."""
        try:
            blob, meta = self._store.document(id_)
        except KeyError:
            return None
        m = json.loads(meta)
        return Document(id_, unpack_text(blob), outlet=m.get("outlet"), url=m.get("url"),
                        published=m.get("published"), title=m.get("title"),
                        author=m.get("author"), path=m.get("path"))

    def compact(self) -> None:
        """Merge the index's key runs into one, dropping the keys of removed and replaced
        documents (SQLite; a no-op on Redis, which removes keys at once). Adds merge runs as
        they go; compacting only makes the next queries a little faster."""
        self._store.compact()

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


def upgrade(source: str, target: str) -> int:
    """Copy a format-1 SQLite index at ``source`` into a new index at ``target`` (a file path or
    a Redis URL) with the same settings; returns the number of documents copied. ``source`` is
    only read. Each batch of 1,000 is one transaction of the target."""
    from provenance.stores.sqlite import read_format_1

    settings, batches = read_format_1(source)
    copied = 0
    with Index(target, threshold=float(settings["threshold"]),
               num_perm=int(settings["num_perm"]), seed=int(settings["seed"]),
               shingle_size=int(settings["shingle_size"])) as ix:
        if len(ix):
            raise IndexError_(f"{target}: already holds {len(ix):,} documents; upgrade into a "
                              "new index")
        for docs in batches:
            copied += len(ix.add(docs).added)
    return copied
