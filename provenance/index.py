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

**Templates.** The index keeps the counts its corpus's templates are learned from (shapes,
slot trigrams and formula keys of every document's sentences, and each site's short lines;
see :mod:`provenance.text.templates` and ``stores.base``), updated in the transaction of every
add and remove. A query uses the templates they give (:meth:`Index.templates`, cached per
:class:`Index`): a match on template lines, or on nothing beyond the genre's frame words, is no
match -- unless the two are near-duplicates -- as in a scan.

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
an index of another version, a file that is not an index, and a damaged file each give a
:class:`StoreError` naming the location and what to do. The stored forms and what every
backend promises are written in ``stores.base`` (the :class:`~provenance.stores.base.Store`
protocol); :meth:`Index.check` walks every stored row and, with ``repair=True``, removes the
damaged documents (saying which) and rebuilds damaged key structures.

**Locations.** A file path (created only where no file exists: a 0-byte file is refused, not
made a new empty index), or a ``redis://``/``rediss://``/``unix://`` URL. ``""`` and
``":memory:"`` keep nothing and are refused, as is anything else that looks like a URL. A file
that is not writable, or in a folder that is not, is opened read-only: queries work, writes are
refused saying why.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from provenance.documents import Document
from provenance.errors import ConfigError, StoreError
from provenance.options import IndexOptions, MinHashOptions
from provenance.passages.finder import Aligner, Passage, PassageOptions
from provenance.signatures import prepare, sentence_keys, sign_bytes
from provenance.signatures.minhash import estimate_jaccard_many
from provenance.similarity.candidates import band_keys, lsh_params
from provenance.stores import open_store
from provenance.stores.base import (
    COMMON_KEY,
    FORMAT,
    SIGNATURE_DTYPE,
    STORED_METADATA,
    Batch,
    CheckReport,
    DamagedRowError,
    DuplicateIdsError,
    Problem,
    Settings,
    Store,
    StoredRow,
    pack_meta,
    pack_text,
    read_settings,
    signature_from_bytes,
    unpack_meta,
    unpack_text,
)
from provenance.text.sentences import sentences
from provenance.text.templates import (
    TemplateCounts,
    TemplateOptions,
    Templates,
    clutter_features,
    features,
    site_of,
    templates_from_rows,
)
from provenance.text.templates import (
    document_features as counted_features,
)
from provenance.trace.joins import Joined, join_families

__all__ = ["COMMON_KEY", "FORMAT", "MIN_SHARED_KEYS", "AddResult", "Answer", "CheckReport",
           "DamagedRowError", "DuplicateIdsError", "Index", "IndexError_", "Match", "Problem",
           "pack_text", "unpack_text", "upgrade"]

MIN_SHARED_KEYS = 2
NEAR_COPY = 0.8
"""Estimated Jaccard from which a match is one story re-issued: its template lines count."""
TEMPLATE_REFRESH = 5.0
"""Seconds a loaded set of templates is used before the index is asked whether another process
changed them."""


def document_features(doc: Document, options: TemplateOptions | None = None) -> dict:
    """What one document adds to an index's template counts: its sentences' template features
    and, with a site (outlet or URL host), its short own-line sentences as that site's lines
    (:func:`provenance.text.templates.features`, :func:`~provenance.text.templates.
    clutter_features`)."""
    sents = sentences(doc.text, doc.id)
    found = features(sents, options)
    found.update(clutter_features(site_of(doc.outlet, doc.url), doc.text, sents, options))
    return found


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
    (already there, under ``on_duplicate="skip"``); ``repeated``: ids given more than once in
    the call -- the last copy is the one stored (it replaced the earlier ones)."""

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()


class Index:
    """A persistent index at ``location`` (a SQLite file path, or a ``redis://`` URL).

    ``threshold``, ``num_perm``, ``seed`` and ``shingle_size`` are fixed when the index is
    created (later values are ignored; the stored ones are used): the document bands are tuned
    to find pairs from ``threshold`` up. Use as a context manager, or call :meth:`close`.

    ``create=False`` refuses a location that holds no index yet (for reading); ``read_only=True``
    opens it for reading only (also chosen by itself for a file or folder that is not writable).

    ``engine`` signs documents and computes their sentence keys: ``"numba"`` (the default: the
    compiled kernel, ~30 us a 600-word document; loading it takes about a second, once per
    process, and compiling it after an install ten or more) or ``"numpy"``/``"auto"`` (the plain
    reference: ~5 ms a document, no start-up; ``auto`` takes the kernel from 1 MB a batch).
    Both give the same signatures and keys (tested), so an index may be written with either.
    """

    def __init__(self, location: str, *, threshold: float = 0.5, num_perm: int = 128,
                 seed: int = 1, shingle_size: int = 5, engine: str = "numba",
                 options: IndexOptions | None = None, create: bool = True,
                 read_only: bool = False) -> None:
        if options is None:
            options = IndexOptions(threshold=threshold, minhash=MinHashOptions(
                shingle=f"word:{shingle_size}", num_perm=num_perm, seed=seed, engine=engine))
        self.engine = options.minhash.engine
        wanted = Settings(options.threshold, options.minhash.num_perm, options.minhash.seed,
                          options.minhash.shingle_size)
        self._store = open_store(str(location), wanted.to_meta(), create=create,
                                 read_only=read_only)
        self.location = self._store.location  # without a password
        s = read_settings(self._store.settings, self.location)
        self.threshold, self.num_perm = s.threshold, s.num_perm
        self.seed, self.shingle_size = s.seed, s.shingle_size
        self.bands, self.rows = lsh_params(self.threshold, self.num_perm)
        self.template_options = TemplateOptions()
        self._templates: tuple[str, Templates] | None = None
        self._templates_checked = 0.0
        self._memory_counts: TemplateCounts | None = None
        self._counts_ready = False

    @property
    def read_only(self) -> bool:
        return self._store.read_only

    # --- writing ------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The store behind this index (the contract in :mod:`provenance.stores.base`)."""
        return self._store

    def batch_of(self, docs: Sequence[Document]) -> Batch:
        """What the store is given for ``docs``: texts, metadata, signatures, band keys and
        sentence keys, computed with this index's settings (nothing is written)."""
        chunks = [prepare(d.text) for d in docs]
        sigs, counts = sign_bytes(chunks, self.shingle_size, self.num_perm, self.seed,
                                  self.engine)
        keyed = sentence_keys(chunks, self.engine)
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in keyed], out=offsets[1:])
        return Batch(
            features=[counted_features(d.text, site_of(d.outlet, d.url), sentences(d.text, d.id),
                                       self.template_options) for d in docs],
            ids=[d.id for d in docs], texts=[pack_text(d.text) for d in docs],
            metas=[pack_meta(d) for d in docs], published=[d.published for d in docs],
            shingles=np.asarray(counts, dtype=np.int64),
            signatures=np.ascontiguousarray(sigs, dtype=SIGNATURE_DTYPE),
            bands=band_keys(sigs, self.bands, self.rows),
            sentences=(np.concatenate(keyed).astype(np.uint64, copy=False) if keyed
                       else np.empty(0, np.uint64)),
            offsets=offsets)

    def add(self, docs: Iterable[Document], on_duplicate: str = "replace") -> AddResult:
        """Add documents in one transaction (all or nothing). An id already in the index is
        replaced (``"replace"``), left as it is (``"skip"``), or fails the whole add with
        :class:`DuplicateIdsError` (``"error"``). An id given twice in one call: the last copy
        is stored, and the id is listed in ``repeated``."""
        if on_duplicate not in ("replace", "skip", "error"):
            raise ConfigError(f"on_duplicate {on_duplicate!r} is not one of replace, skip, error")
        batch: dict[str, Document] = {}
        repeated: dict[str, None] = {}
        for d in docs:
            if d.id in batch:
                repeated[d.id] = None
                del batch[d.id]  # the last one wins, in its own place
            batch[d.id] = d
        if not batch:
            return AddResult()
        self._ensure_template_counts()
        added, replaced, skipped = self._store.add(self.batch_of(list(batch.values())),
                                                   on_duplicate)
        self._templates = None
        return AddResult(tuple(added), tuple(replaced), tuple(skipped), tuple(repeated))

    def add_all(self, docs: Iterable[Document], *, batch: int = 1000,
                on_duplicate: str = "replace") -> Iterator[AddResult]:
        """Add a stream of documents, ``batch`` a transaction, yielding each batch's result as
        it is committed (a crash loses at most the batch in flight). With
        ``on_duplicate="error"``, the :class:`DuplicateIdsError` raised says in ``committed``
        how many documents the batches before it had already stored (they stay); any other
        error after a committed batch says so too."""
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ConfigError(f"batch {batch!r} must be a whole number >= 1; try 1000")
        committed = 0
        pending: list[Document] = []

        def flush() -> AddResult:
            nonlocal committed
            try:
                result = self.add(pending, on_duplicate)
            except DuplicateIdsError as exc:
                more = (f"; the {committed:,} documents of earlier batches were added "
                        "and stay" if committed else "; nothing was added")
                raise DuplicateIdsError(f"{exc}{more}", exc.ids, committed) from None
            except StoreError as exc:
                if not committed:
                    raise
                raise StoreError(f"{exc} (the {committed:,} documents of earlier batches "
                                 "were added and stay)") from None
            pending.clear()
            committed += len(result.added) + len(result.replaced)
            return result

        for doc in docs:
            pending.append(doc)
            if len(pending) >= batch:
                yield flush()
        if pending:
            yield flush()

    @staticmethod
    def add_stream(location: str, docs: Iterable[Document], *, batch: int = 1000,
                   on_duplicate: str = "replace", **settings) -> Iterator[tuple[AddResult, Index]]:
        """Add a stream of documents to the index at ``location``, ``batch`` documents a
        transaction, yielding each batch's :class:`AddResult` with the open index. The index
        is opened (or created, with ``settings``) only when the first document arrives, so an
        input with no document creates nothing; it is closed when the stream ends. An error in
        a later batch says how many documents the earlier batches committed (see
        :meth:`add_all`)."""
        stream = iter(docs)
        first = next(stream, None)
        if first is None:
            return
        with Index(location, **settings) as ix:
            for result in ix.add_all(itertools.chain([first], stream), batch=batch,
                                     on_duplicate=on_duplicate):
                yield result, ix

    def remove(self, ids: Iterable[str]) -> list[str]:
        """Remove documents by id in one transaction; returns the ids that were there."""
        self._ensure_template_counts()
        gone = self._store.remove(list(dict.fromkeys(ids)))
        self._templates = None
        return gone

    # --- templates ----------------------------------------------------------------------------

    def templates(self) -> Templates:
        """The templates of the indexed corpus (shapes, formulas of the genre and site
        clutter; see :mod:`provenance.text.templates`), from the counts the index keeps. Loaded
        once and cached: this index's own adds and removes invalidate the cache, another
        process's are seen when the index's ``template_generation`` has changed, looked at
        most every :data:`TEMPLATE_REFRESH` seconds. An index made before it kept counts gets
        them from its stored texts on first use (read-only: counted in memory, not kept)."""
        now = time.monotonic()
        cached = self._templates
        if cached is not None and now - self._templates_checked < TEMPLATE_REFRESH:
            return cached[1]
        generation = self._store.template_generation()
        self._templates_checked = now
        if cached is not None and cached[0] == generation:
            return cached[1]
        self._ensure_template_counts()
        if self._memory_counts is not None:
            learned = self._memory_counts.templates(self.template_options)
        else:
            o = self.template_options
            least = min(o.min_documents, o.formula_min_documents, o.site_min_pages)
            learned = templates_from_rows(self._store.template_rows(least), o)
        self._templates = (generation, learned)
        return learned

    def _ensure_template_counts(self) -> None:
        if self._counts_ready or self._memory_counts is not None:
            return
        if self._store.has_template_counts():
            self._counts_ready = True
            return
        if self.read_only:
            counts = TemplateCounts()
            for rows in self._store.rows():
                for row in rows:
                    counts.add(document_features(self._unpack(row), self.template_options))
            self._memory_counts = counts
            return
        self._store.rebuild_template_counts(self.batch_of, self._unpack)
        self._counts_ready = True
        self._templates = None

    # --- reading ------------------------------------------------------------------------------

    def query(self, doc: Document | str, threshold: float | None = None, k: int = 10,
              passages: bool = True, options: PassageOptions | None = None, *,
              templates: Templates | None = None) -> list[Match]:
        """The indexed documents ``doc`` repeats, best first, at most ``k``. An empty query
        (no words) matches nothing. The query itself is not added; a stored document with the
        query's id is left out of the answer. ``templates`` (learned from the archive,
        :func:`provenance.text.templates.learn_templates`): a match on template lines alone
        is no match, unless the two are near-duplicates; by default the index's own
        (:meth:`templates`)."""
        if isinstance(doc, str):
            doc = Document("query", doc)
        if templates is None and passages:
            templates = self.templates()
        if threshold is None:
            threshold = self.threshold
        elif (not isinstance(threshold, int | float) or isinstance(threshold, bool)
              or math.isnan(threshold) or not 0.0 <= threshold <= 1.0):
            raise ConfigError(f"query threshold {threshold!r} is outside [0, 1]; try "
                              f"{self.threshold} (the index's)")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ConfigError(f"k {k!r} must be a whole number >= 1; try 10")
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
        ids = sorted(rows)
        stored = np.empty((len(ids), self.num_perm), dtype=SIGNATURE_DTYPE)
        for r, id_ in enumerate(ids):
            stored[r] = signature_from_bytes(rows[id_], self.num_perm, self.location, id_)
        sims = estimate_jaccard_many(sigs[0], stored).tolist()
        scored = [(sim, shared.get(id_, 0), id_) for sim, id_ in zip(sims, ids, strict=True)]
        # near-duplicates first, most similar first; then the most shared sentence keys
        scored.sort(key=lambda x: (x[0] < threshold, -x[0] if x[0] >= threshold else -x[1],
                                   -x[1], -x[0], x[2]))
        # what the loop below reads when every candidate is still there: the first k
        # near-duplicates (each is a match), and the first k to check when they are fewer
        near_ids = [id_ for sim, _, id_ in scored[:k] if sim >= threshold]
        to_check = ([id_ for sim, n_shared, id_ in scored[len(near_ids):]
                     if sim < threshold and n_shared >= MIN_SHARED_KEYS][:k]
                    if passages and len(near_ids) < k else [])
        read = self._store.documents(near_ids + to_check)  # one round trip
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
                blob, meta_json = read.pop(id_) if id_ in read else self._store.document(id_)
            except KeyError:  # removed since the candidates were read
                continue
            if passages and aligner is None:
                aligner = Aligner(doc, options, templates=templates)
            found = (tuple(aligner(Document(id_, unpack_text(blob, self.location, id_)),
                                   whole_copy=sim >= NEAR_COPY))
                     if passages else ())
            if sim >= threshold or found:
                meta = unpack_meta(meta_json, self.location, id_)
                matches.append(Match(id_, sim, found, meta.get("outlet"), meta.get("published"),
                                     meta.get("title"), meta.get("url")))
        return matches

    def get(self, id_: str) -> Document | None:
        """The stored document, or None."""
        try:
            blob, meta = self._store.document(id_)
        except KeyError:
            return None
        return self._unpack(StoredRow(id_, blob, meta, b""))

    def _unpack(self, row: StoredRow) -> Document:
        m = unpack_meta(row.meta, self.location, row.id)
        return Document(row.id, unpack_text(row.text, self.location, row.id),
                        **{k: m.get(k) for k in STORED_METADATA})

    def check(self, repair: bool = False) -> CheckReport:
        """Walk every stored row -- text frame and checksum, metadata JSON, signature length --
        and the backend's own structures (SQLite: its integrity check and every key run; Redis:
        each document's key sets); return what is wrong. With ``repair``, remove the damaged
        documents (listed in ``removed``: add them again from their sources) and, when a key
        structure is damaged, rebuild every document's keys from the stored texts."""
        problems: list[Problem] = []
        try:
            problems += self._store.check_structure()
        except StoreError as exc:
            problems.append(Problem(None, "structure", str(exc)))
        fatal = any(p.part == "structure" for p in problems)
        documents = 0
        bad: list[str] = []
        if not fatal:
            for rows in self._store.rows():
                for row in rows:
                    documents += 1
                    found = self._check_row(row)
                    if found:
                        problems.append(found)
                        bad.append(row.id)
        report = CheckReport(self.location, documents, tuple(problems))
        if not repair or report.ok:
            return report
        if fatal:
            return CheckReport(self.location, documents, tuple(problems), notes=(
                "the file itself is damaged (SQLite's integrity check): nothing was repaired; "
                "restore it from a backup, or rebuild the index from the sources",))
        removed = tuple(self._store.remove(sorted(set(bad)))) if bad else ()
        keyed = any(p.part == "keys" and p.id not in bad for p in problems)
        if keyed:
            self._store.rebuild_keys(self.batch_of, self._unpack)
        notes = [f"removed {len(removed)} damaged documents: add them again from their sources"
                 ] if removed else []
        if keyed:
            notes.append("rebuilt the keys of every document from the stored texts")
        return CheckReport(self.location, documents, tuple(problems), removed, keyed,
                           tuple(notes))

    def _check_row(self, row: StoredRow) -> Problem | None:
        try:
            signature_from_bytes(row.signature, self.num_perm, self.location, row.id)
            self._unpack(row)
        except DamagedRowError as exc:
            return Problem(row.id, exc.part, exc.detail)
        return None

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
        """Location (no password), backend, format, settings, document count and storage
        figures; always JSON-serializable. Only reads: on an index written before it kept
        template counts, the template figures are None and ``template_counts`` says so."""
        return {"location": self.location, "backend": self._store.name, "format": FORMAT,
                "documents": len(self), "threshold": self.threshold, "num_perm": self.num_perm,
                "seed": self.seed, "shingle_size": self.shingle_size, "bands": self.bands,
                "rows": self.rows, **self._template_stats(), **self._store.stats()}

    def _template_stats(self) -> dict:
        if not (self._counts_ready or self._memory_counts is not None
                or self._store.has_template_counts()):
            # an index from before the counts: stats only read (the next add or query counts)
            return {"templates": None, "formulas": None, "clutter_lines": None,
                    "template_counts": "not built yet: the index was written before it kept "
                                       "them; the next add or query counts them"}
        learned = self.templates()
        return {"templates": len(learned.shapes), "formulas": len(learned.formulas),
                "clutter_lines": len(learned.clutter)}

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def query_families(self, doc: Document | str, threshold: float | None = None, k: int = 10,
                       options: PassageOptions | None = None, *,
                       templates: Templates | None = None) -> Answer:
        """:meth:`query` (with passages), and the stored families ``doc`` joins: the
        families of the query and its matches, built as a scan builds them
        (:func:`provenance.trace.joins.join_families`) -- origin, members in time order, the
        query's likely parent with the reasons, and a ``key`` to group queries by. Only the
        ``k`` matches are read again; the archive is not re-scanned."""
        if isinstance(doc, str):
            doc = Document("query", doc)
        matches = self.query(doc, threshold, k, True, options, templates=templates)
        stored = [d for m in matches if m.passages and (d := self.get(m.id)) is not None]
        read = {d.id for d in stored}  # (a document removed since the query is left out)
        joined = join_families(doc, stored, [p for m in matches if m.id in read
                                             for p in m.passages])
        return Answer(doc.id, tuple(matches), tuple(joined))


@dataclass(frozen=True, slots=True)
class Answer:
    """What :meth:`Index.query_families` found for the query ``query`` (its id): the
    ``matches`` :meth:`Index.query` gives, and the ``families`` it joins
    (:class:`~provenance.trace.joins.Joined`, in the query's order; none when it repeats
    nothing)."""

    query: str
    matches: tuple[Match, ...]
    families: tuple[Joined, ...]

    def to_dict(self) -> dict:
        return {"query": self.query, "matches": [m.to_dict() for m in self.matches],
                "families": [f.to_dict() for f in self.families]}


def upgrade(source: str, target: str) -> int:
    """Copy a format-1 SQLite index at ``source`` into a new index at ``target`` (a file path or
    a Redis URL) with the same settings; returns the number of documents copied. ``source`` is
    only read (through an escaped ``file:`` URI). Each batch of 1,000 is one transaction of the
    target."""
    from provenance.stores.format1 import read_format_1

    settings, batches = read_format_1(source)
    old = read_settings({**settings, "format": str(FORMAT)}, source)
    copied = 0
    with Index(target, threshold=old.threshold, num_perm=old.num_perm, seed=old.seed,
               shingle_size=old.shingle_size) as ix:
        if len(ix):
            raise StoreError(f"{ix.location}: already holds {len(ix):,} documents; upgrade into "
                             "a new index")
        for docs in batches:
            copied += len(ix.add(docs).added)
    return copied
