"""Near-duplicate documents at scale: a keep/drop decision for every document.

Documents are signed straight from their bytes by the compiled kernel (``signatures.sign_bytes``), a
batch at a time, into one contiguous signature array (texts are not kept, so a corpus larger
than memory can be deduplicated). Candidate pairs come from LSH band keys grouped by sorting
(``candidates``); a candidate is a near-duplicate when its estimated Jaccard similarity (the
share of equal signature slots) is at least the threshold. Bands and rows weigh a missed pair
nine times a false candidate (verifying a candidate costs one signature comparison): at
threshold 0.8 with 128 permutations that is 14 bands of 9 rows, which catch a pair at Jaccard
0.8 with probability 0.87 and at 0.9 with 0.999 -- datasketch's equal weights (9 x 13) catch
0.40 and 0.93.

**Decisions.** Documents are ranked: the earliest ``published`` first (documents without a
usable date after the dated ones), then the one with more shingles, then by content (a hash of
the signature), then by id. Taking documents in that order, each one not yet claimed becomes the
*representative* of a new cluster and is kept; its near-duplicates not yet claimed join its
cluster and are dropped. So every dropped document is a near-duplicate of its own cluster's
representative -- never only of a chain through other documents. A chain A~B, B~C with A!~C
(A ranked first) keeps A, drops B into A's cluster, and keeps C as its own representative;
C's decision lists A's cluster in ``near_clusters`` so the chain stays visible. The ranking does
not look at the input order, so neither do the decisions.

A document without words (only punctuation, say) has no shingles and the empty signature: it
is kept, in a cluster of its own, and compared with nothing (``shingles`` is 0).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from provenance.documents import Document, Skipped
from provenance.options import DedupOptions
from provenance.progress import Progress, no_progress
from provenance.signatures import EMPTY, prepare, sign_bytes
from provenance.similarity.candidates import band_keys, colliding_pairs, lsh_params
from provenance.trace.dates import parse_date

__all__ = ["Decision", "DedupOptions", "DedupResult", "decide", "dedup", "near_duplicates"]

_STAR_ABOVE = 32  # a band key shared by more documents pairs them with its first (see below)
_LSH_WEIGHTS = (0.1, 0.9)  # false positives are cheap to verify; false negatives are lost
STAR_ABOVE, LSH_WEIGHTS = _STAR_ABOVE, _LSH_WEIGHTS  # the same rules on Spark (provenance.spark)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one document: ``keep`` it or not; its ``cluster`` (the representative's
    id), the ``similarity`` (estimated Jaccard) to that representative, its ``shingles`` count,
    and ``near_clusters``: other clusters holding a near-duplicate of it (a chain)."""

    id: str
    keep: bool
    cluster: str
    similarity: float
    shingles: int
    near_clusters: tuple[str, ...] = ()
    path: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "keep": self.keep, "cluster": self.cluster,
                "representative": self.cluster, "similarity": round(self.similarity, 4),
                "shingles": self.shingles, "near_clusters": list(self.near_clusters),
                "path": self.path}


@dataclass(frozen=True)
class DedupResult:
    """Decisions in input order, what was skipped, and counts and timings of the run."""

    decisions: tuple[Decision, ...]
    skipped: tuple[Skipped, ...] = ()
    candidates: int = 0
    pairs: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return sum(d.keep for d in self.decisions)

    @property
    def clusters(self) -> int:
        """Clusters with more than one document."""
        return len({d.cluster for d in self.decisions if not d.keep})


class _Signatures:
    """A growing contiguous uint32 array of signature rows."""

    def __init__(self, num_perm: int) -> None:
        self.rows = np.empty((1024, num_perm), dtype=np.uint32)
        self.size = 0

    def extend(self, block: np.ndarray) -> None:
        need = self.size + len(block)
        if need > len(self.rows):
            grown = np.empty((max(need, len(self.rows) * 2), self.rows.shape[1]), np.uint32)
            grown[: self.size] = self.rows[: self.size]
            self.rows = grown
        self.rows[self.size : need] = block
        self.size = need

    def array(self) -> np.ndarray:
        return self.rows[: self.size]


def dedup(
    items: Iterable[Document | Skipped],
    options: DedupOptions | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Sign the documents of ``items`` (as from ``read.iter_read``) a batch at a time and
    decide which to keep (see the module's docstring)."""
    options = options or DedupOptions()
    report = progress or no_progress
    timings: dict[str, float] = {}
    ids: list[str] = []
    paths: list[str | None] = []
    published: list[str] = []
    counts: list[np.ndarray] = []
    skipped: list[Skipped] = []
    store = _Signatures(options.num_perm)
    pending: list[bytes] = []

    def flush() -> None:
        if pending:
            sigs, n = sign_bytes(pending, options.shingle_size, options.num_perm, options.seed,
                                 options.engine)
            store.extend(sigs)
            counts.append(n)
            pending.clear()
            report("sign", len(ids), 0)

    start = time.perf_counter()
    for item in items:
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        ids.append(item.id)
        paths.append(item.path)
        when = parse_date(item.published)[0] if item.published else None
        published.append(when.isoformat() if when else "")
        pending.append(prepare(item.text))
        if len(pending) >= options.batch:
            flush()
    flush()
    timings["read+sign"] = time.perf_counter() - start
    signatures = store.array()
    shingles = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
    decisions, candidates, pairs = decide(ids, signatures, shingles, published, options,
                                          paths=paths, timings=timings, progress=report)
    return DedupResult(tuple(decisions), tuple(skipped), candidates, pairs, timings)


def near_duplicates(
    signatures: np.ndarray, threshold: float, star_above: int = _STAR_ABOVE,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs ``(i, j)`` (rows, ``i < j``) whose estimated Jaccard is at least ``threshold``,
    their similarities, and the number of candidates checked. A band key shared by more than
    ``star_above`` documents pairs each of them with the first (lowest index) only, so that a
    thousand copies of one text cost a thousand pairs, not half a million; rank documents
    before calling so that the first is the one to keep."""
    n, num_perm = signatures.shape
    live = np.flatnonzero(~(signatures == EMPTY).all(axis=1))
    if len(live) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0), 0
    bands, rows = lsh_params(threshold, num_perm, *_LSH_WEIGHTS)
    keys = np.empty((len(live), bands), dtype=np.uint64)
    for s in range(0, len(live), 65536):  # bounds band_keys' (docs x slots) uint64 temporary
        keys[s : s + 65536] = band_keys(signatures[live[s : s + 65536]], bands, rows)
    found = colliding_pairs(keys.ravel(), np.repeat(live, bands), n, star_above=star_above)
    del keys
    sims = np.zeros(len(found))
    step = max(1, 4_000_000 // num_perm)  # bound the gathered (pairs x slots) temporaries
    for s in range(0, len(found), step):
        i, j = found[s : s + step, 0], found[s : s + step, 1]
        sims[s : s + step] = (signatures[i] == signatures[j]).sum(axis=1) / num_perm
    keep = sims >= threshold
    return found[keep], sims[keep], len(found)


def decide(
    ids: list[str],
    signatures: np.ndarray,
    shingles: np.ndarray,
    published: list[str],
    options: DedupOptions,
    paths: list[str | None] | None = None,
    timings: dict[str, float] | None = None,
    progress: Progress | None = None,
) -> tuple[list[Decision], int, int]:
    """Decisions (in the order of ``ids``) from the documents' signatures, shingle counts and
    ISO ``published`` dates ("" when unknown); also the counts of candidates and pairs."""
    timings = {} if timings is None else timings
    report = progress or no_progress
    n = len(ids)
    paths = paths or [None] * n
    start = time.perf_counter()
    rank = _ranking(ids, signatures, shingles, published)  # rank[k]: the k-th document
    ranked = signatures[rank]
    timings["rank"] = time.perf_counter() - start
    start = time.perf_counter()
    found, sims, candidates = near_duplicates(ranked, options.threshold)
    timings["pairs"] = time.perf_counter() - start
    report("pairs", len(found), len(found))
    start = time.perf_counter()
    owner = np.arange(n)  # in rank space: the representative of each document
    similarity = np.ones(n)
    if len(found):
        # CSR adjacency over ranks, both directions, neighbors in rank order.
        src = np.concatenate([found[:, 0], found[:, 1]])
        dst = np.concatenate([found[:, 1], found[:, 0]])
        sim2 = np.concatenate([sims, sims])
        order = np.lexsort((dst, src))
        src, dst, sim2 = src[order], dst[order], sim2[order]
        starts = np.searchsorted(src, np.arange(n + 1))
        claimed = np.zeros(n, dtype=bool)
        for r in np.unique(src):
            if claimed[r]:
                continue
            claimed[r] = True
            lo, hi = starts[r], starts[r + 1]
            free = ~claimed[dst[lo:hi]]
            members = dst[lo:hi][free]
            claimed[members] = True
            owner[members] = r
            similarity[members] = sim2[lo:hi][free]
    near: dict[int, set[int]] = {}
    if len(found):
        i, j = found[:, 0], found[:, 1]
        across = owner[i] != owner[j]
        for a, b in zip(i[across].tolist(), j[across].tolist(), strict=True):
            near.setdefault(a, set()).add(int(owner[b]))
            near.setdefault(b, set()).add(int(owner[a]))
    decisions: list[Decision | None] = [None] * n
    for k in range(n):
        doc = int(rank[k])
        rep = int(rank[owner[k]])
        decisions[doc] = Decision(
            id=ids[doc], keep=bool(owner[k] == k), cluster=ids[rep],
            similarity=float(similarity[k]), shingles=int(shingles[doc]),
            near_clusters=tuple(sorted(ids[int(rank[c])] for c in near.get(k, ())
                                       if c != owner[k])),
            path=paths[doc])
    timings["cluster"] = time.perf_counter() - start
    return decisions, candidates, len(found)  # type: ignore[return-value]


def _ranking(ids, signatures, shingles, published) -> np.ndarray:
    """Document indices, best representative first (see the module's docstring)."""
    n = len(ids)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    dates = np.array(published, dtype=object)
    undated = dates == ""
    date_rank = np.unique(dates, return_inverse=True)[1]
    content = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(min(8, signatures.shape[1])):
            content = (content ^ signatures[:, k].astype(np.uint64)) * np.uint64(
                0x9E3779B185EBCA87)
    id_rank = np.argsort(np.argsort(np.array(ids, dtype=object), kind="stable"), kind="stable")
    # np.lexsort: the last key is the primary one.
    return np.lexsort((id_rank, content, -np.asarray(shingles), date_rank, undated))
