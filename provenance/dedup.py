"""Near-duplicate documents at scale: a keep/drop decision for every document.

Documents are signed straight from their bytes by the compiled kernel (``signatures.sign_packed``),
a batch at a time, into one contiguous signature array. Texts are not kept in memory, so a corpus
larger than memory can be deduplicated. Candidate pairs come from LSH band keys grouped by
sorting (``candidates``).

**Exact decisions (the default).** Each batch's prepared bytes are kept: the first
:data:`SPILL_MEMORY` (256 MB) in memory, the rest appended to an unnamed temporary file (in
``tempfile.gettempdir()``, so ``TMPDIR``; gone at the end). A candidate is a near-duplicate when
the exact Jaccard similarity of the two documents' sets of 64-bit shingle hashes -- the very
values their signatures are MinHashes of -- is at least the threshold: the candidates' bytes are
read back, their shingle sets rebuilt by the kernel and intersected (``signatures.shingle_sets``,
``set_jaccard``), in blocks of at most :data:`VERIFY_BYTES` (64 MB) of text. Memory stays
bounded: the signatures (``num_perm`` x 4 bytes a document), 16 bytes of offsets a document,
256 MB of kept bytes and one block's sets (about 2.5 times its 64 MB of text); the disk holds the
text past 256 MB. A false candidate costs one
exact check, a missed one is lost for good, so the bands are tuned for recall: at threshold 0.8
with 128 permutations, 25 bands of 5 rows catch a pair at Jaccard 0.8 with probability 0.99995
(measured on Reuters-21578: ``benchmarks/dedup.py``).

**Estimate-only decisions** (``DedupOptions(exact=False)``, the CLI's ``--estimate``): one pass,
no spill file; a candidate is a near-duplicate when its estimated Jaccard (the share of equal
signature slots) is at least the threshold. Bands and rows then weigh a missed pair nine times
a false candidate: 14 bands of 9 rows at 0.8 (a pair at 0.8 caught with probability 0.87, at
0.9 with 0.999). ``similarity`` is then the estimate.

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

**Reading apart.** Reading, JSON parsing and preparing the bytes are Python and hold the GIL;
the kernels do not. :class:`PreparedBatches` with ``separate_process=True`` does that part in a
forked child process that sends the prepared batches over a socket, so it runs beside the
signing (and, in ``provenance dedup``, beside loading numba and the kernels) instead of taking
turns with it; :func:`dedup_prepared` then signs and decides as :func:`dedup` does, with the
same decisions. ``DedupOptions(threads=N)`` sets the kernels' threads.
"""
from __future__ import annotations

import bisect
import os
import pickle
import queue
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from provenance.documents import Document, Skipped
from provenance.errors import ProvenanceError
from provenance.options import DedupOptions
from provenance.progress import Progress, no_progress
from provenance.read.dates import parse_date
from provenance.signatures import EMPTY, prepare, set_jaccard, shingle_sets, sign_packed
from provenance.similarity.candidates import band_keys, colliding_pairs, lsh_params

__all__ = ["SPILL_MEMORY", "VERIFY_BYTES", "Decision", "DedupOptions", "DedupResult",
           "PreparedBatches", "Verifier", "decide", "dedup", "dedup_prepared", "exact_pairs",
           "exact_verifier", "lsh_bands", "near_duplicates"]

_STAR_ABOVE = 32  # a band key shared by more documents pairs them with its first (see below)
STAR_ABOVE = _STAR_ABOVE  # the same rule on Spark (provenance.spark)
_LSH_WEIGHTS = (0.1, 0.9)  # estimates: false positives are cheap to check; false negatives lost
_EXACT_BANDS = {128: (25, 5)}  # exact checks: (bands, rows) by num_perm, tuned for recall
_LSH_WEIGHTS_EXACT = (0.01, 0.99)  # other num_perm: lsh_params with these weights
VERIFY_BYTES = 64 << 20  # document bytes whose shingle sets are rebuilt at a time
SPILL_MEMORY = 256 << 20  # prepared bytes kept in memory for exact checks; the rest on disk

Verifier = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Exact similarities of document pairs ``(left[p], right[p])`` (document indices)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one document: ``keep`` it or not; its ``cluster`` (the representative's
    id), the ``similarity`` to that representative (exact Jaccard of the shingle sets; the
    MinHash estimate with ``DedupOptions(exact=False)``), its ``shingles`` count, and
    ``near_clusters``: other clusters holding a near-duplicate of it (a chain)."""

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
    legacy: tuple[Document, ...] = ()
    """The documents decoded from a legacy encoding (not UTF-8), without their text."""

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


class _Spill:
    """The prepared bytes of every document, kept for exact checks: the first
    :data:`SPILL_MEMORY` bytes as the batches' own buffers (no copy), the rest appended to an
    unnamed temporary file; read back a block of documents at a time."""

    def __init__(self, memory: int) -> None:
        self.memory = memory
        self.file = None
        self.size = 0  # bytes in all
        self.kept = 0  # bytes in memory (the first ``kept`` of ``size``)
        self.chunks: list[np.ndarray] = []
        self.chunk_starts: list[int] = []
        self.starts: list[np.ndarray] = []

    def _open(self):
        try:
            return tempfile.TemporaryFile(prefix="provenance-dedup-")
        except OSError as exc:
            raise ProvenanceError(
                f"cannot create dedup's spill file in {tempfile.gettempdir()} ({exc}); point "
                "TMPDIR at a writable folder, or decide on estimates (--estimate)") from exc

    def write(self, buf: np.ndarray, offsets: np.ndarray) -> None:
        self.starts.append(offsets[:-1] + self.size)
        if self.file is None and self.kept + len(buf) <= self.memory:
            self.chunks.append(buf)
            self.chunk_starts.append(self.size)
            self.kept += len(buf)
        else:
            if self.file is None:
                self.file = self._open()
            try:
                self.file.write(memoryview(buf))
            except OSError as exc:
                raise ProvenanceError(
                    f"cannot write dedup's spill file in {tempfile.gettempdir()} ({exc}; it "
                    f"holds {(self.size - self.kept) / 1e9:.1f} GB so far); point TMPDIR at a "
                    "folder with room for the input's text, or decide on estimates "
                    "(--estimate)") from exc
        self.size += len(buf)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        starts = np.concatenate(self.starts) if self.starts else np.empty(0, dtype=np.int64)
        ends = np.empty_like(starts)
        ends[:-1] = starts[1:]
        if len(ends):
            ends[-1] = self.size
        if self.file is not None:
            self.file.flush()
        return starts, ends

    def read(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The bytes of documents ``starts[k]:ends[k]`` (ascending), packed; runs of adjacent
        documents are copied with one call."""
        out = np.empty(int((ends - starts).sum()), dtype=np.uint8)
        if not len(starts):
            return out
        breaks = np.flatnonzero(starts[1:] != ends[:-1]) + 1
        run_starts = np.r_[0, breaks]
        run_ends = np.r_[breaks, len(starts)]
        at = 0
        for a, b in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
            lo, hi = int(starts[a]), int(ends[b - 1])
            while lo < hi:  # a run may cross batch buffers and the file
                if lo < self.kept:
                    c = bisect.bisect_right(self.chunk_starts, lo) - 1
                    chunk, base = self.chunks[c], self.chunk_starts[c]
                    stop = min(hi, base + len(chunk))
                    out[at : at + stop - lo] = chunk[lo - base : stop - base]
                else:
                    stop = hi
                    self._pread(memoryview(out)[at : at + hi - lo], lo - self.kept)
                at += stop - lo
                lo = stop
        return out

    def _pread(self, view: memoryview, position: int) -> None:
        fd = self.file.fileno()
        while len(view):
            got = os.preadv(fd, [view], position)
            if got <= 0:
                raise ProvenanceError("dedup's spill file ended early; was the temporary "
                                      "folder cleaned during the run? Run it again")
            view, position = view[got:], position + got

    def close(self) -> None:
        self.chunks.clear()
        if self.file is not None:
            self.file.close()


def exact_verifier(spill_read: Callable[[np.ndarray, np.ndarray], np.ndarray],
                   starts: np.ndarray, ends: np.ndarray, shingles: np.ndarray, n: int,
                   engine: str = "auto", budget: int = VERIFY_BYTES) -> Verifier:
    """A :data:`Verifier` computing exact Jaccard from the documents' prepared bytes
    (``spill_read(starts, ends)`` returns them packed), rebuilding the shingle sets of at most
    ``budget`` bytes of documents at a time."""

    def verify(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        sims = np.zeros(len(left))
        order = np.lexsort((right, left))
        lo = 0
        step = 1 << 16
        while lo < len(order):
            hi = min(len(order), lo + step)
            while True:
                block = order[lo:hi]
                need = np.unique(np.concatenate([left[block], right[block]]))
                if hi - lo == 1 or int((ends[need] - starts[need]).sum()) <= budget:
                    break
                hi = lo + (hi - lo) // 2
            lengths = ends[need] - starts[need]
            buf = spill_read(starts[need], ends[need])
            local_ends = np.cumsum(lengths)
            hashes, offsets, sizes = shingle_sets(buf, local_ends - lengths, local_ends, n,
                                                  engine, bounds=shingles[need])
            sims[block] = set_jaccard(hashes, offsets, sizes, np.searchsorted(need, left[block]),
                                      np.searchsorted(need, right[block]), engine)
            lo = hi
        return sims

    return verify


_BATCH_BYTES = 32 << 20  # a batch also ends at this many prepared bytes (bounds its memory)


@dataclass(slots=True)
class _Batch:
    """Documents read and prepared for signing: their ids, paths, ISO dates ("" when unknown),
    prepared bytes (``chunks``, one per document, or packed: ``buf[offsets[d]:offsets[d+1]]``);
    the inputs skipped and the documents decoded from a legacy encoding (text left out) since
    the batch before."""

    ids: list[str] = field(default_factory=list)
    paths: list[str | None] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    offsets: np.ndarray | None = None
    buf: np.ndarray | None = None
    skipped: list[Skipped] = field(default_factory=list)
    legacy: list[Document] = field(default_factory=list)

    def packed(self) -> np.ndarray:
        """The prepared bytes in one buffer (joined once)."""
        if self.buf is None:
            self.buf = np.frombuffer(b"".join(self.chunks), dtype=np.uint8)
            self.chunks = []
        return self.buf


def _batches(items: Iterable[Document | Skipped], options: DedupOptions) -> Iterator[_Batch]:
    """``items`` read, dated and prepared, a batch at a time (``options.batch`` documents or
    :data:`_BATCH_BYTES` of prepared bytes, whichever comes first); a last batch without
    documents carries what was skipped after the last document."""
    dates: dict[str, str] = {}
    batch = _Batch()
    size = 0
    limit = options.batch
    for item in items:
        if isinstance(item, Skipped):
            batch.skipped.append(item)
            continue
        batch.ids.append(item.id)
        batch.paths.append(item.path)
        if item.encoding not in (None, "utf-8", "utf-8-sig"):
            batch.legacy.append(Document(item.id, "", path=item.path, encoding=item.encoding))
        if item.published:
            when = dates.get(item.published)
            if when is None:
                parsed = parse_date(item.published)[0]
                when = dates[item.published] = parsed.isoformat() if parsed else ""
                if len(dates) > 100_000:
                    dates.clear()
            batch.published.append(when)
        else:
            batch.published.append("")
        data = prepare(item.text)
        batch.chunks.append(data)
        size += len(data)
        if len(batch.chunks) >= limit or size >= _BATCH_BYTES:
            yield _with_offsets(batch)
            batch, size = _Batch(), 0
    if batch.chunks or batch.skipped:
        yield _with_offsets(batch)


def _with_offsets(batch: _Batch) -> _Batch:
    batch.offsets = np.zeros(len(batch.chunks) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in batch.chunks], out=batch.offsets[1:])
    return batch


def dedup(
    items: Iterable[Document | Skipped],
    options: DedupOptions | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Sign the documents of ``items`` (as from ``read.iter_read``) a batch at a time and
    decide which to keep (see the module's docstring)."""
    options = options or DedupOptions()
    with PreparedBatches(items, options) as batches:
        return dedup_prepared(batches, options, progress)


class PreparedBatches:
    """The documents of ``items`` read, dated and prepared for signing, a batch at a time, for
    :func:`dedup_prepared`: in this process, or with ``separate_process`` in a child process
    forked now, so that reading and JSON parsing (which hold the GIL) run beside the signing
    and the decisions instead of before them (``provenance dedup`` starts it before it loads
    the compiled kernels). The child exists only on Linux and when no other Python thread runs
    (a fork copies one thread); else, and with ``separate_process=False``, ``items`` are read
    in this process as they are needed. Use it as a context manager: leaving it stops and
    reaps the child. The batches and their order are the same either way; apart, this process
    holds at most :data:`_QUEUED` batches received ahead of the signing (a batch is at most
    8,192 documents and 32 MB of prepared bytes)."""

    def __init__(self, items: Iterable[Document | Skipped], options: DedupOptions,
                 separate_process: bool = False) -> None:
        self._child: _Child | None = None
        if separate_process and _can_fork():
            self._child = _Child(_batches(items, options))
            self._batches: Iterator[_Batch] = self._child.batches()
        else:
            self._batches = _batches(items, options)

    @property
    def separate(self) -> bool:
        """Whether a child process reads the items."""
        return self._child is not None

    def __iter__(self) -> Iterator[_Batch]:
        return self._batches

    def __enter__(self) -> PreparedBatches:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._child is not None:
            self._child.close()


def _can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


_HEAD = struct.Struct("<QQ")  # the lengths of a message's pickled part and of its bytes
_QUEUED = 6  # batches received ahead of the signing (at most 192 MB): the first ones wait
# for numba and the kernels to load


class _Child:
    """A forked process sending the batches of ``batches`` over a socket; a thread of this
    process receives them ahead (at most :data:`_QUEUED`), each whole in one call that waits
    without the GIL (``MSG_WAITALL``), so the receiving keeps pace while this process is busy."""

    def __init__(self, batches: Iterator[_Batch]) -> None:
        here, there = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:  # the child: read, prepare and send everything, then leave
            code = 0
            try:
                here.close()
                _send(there, batches)
            except BaseException as exc:  # noqa: BLE001 -- all of it goes to the parent
                code = 1
                if not isinstance(exc, KeyboardInterrupt | BrokenPipeError):
                    try:
                        _send_message(there, ("error", _portable(exc)), [])
                    except BaseException:  # noqa: BLE001,S110 -- the parent is gone
                        pass
            finally:
                os._exit(code)
        there.close()
        self.sock = here
        self.queue: queue.Queue = queue.Queue(_QUEUED)
        self.stop = threading.Event()
        self.status: int | None = None
        self.thread = threading.Thread(target=self._receive, name="dedup-reader", daemon=True)
        self.thread.start()

    def _put(self, message) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(message, timeout=0.1)
                return
            except queue.Full:
                continue

    def _receive(self) -> None:
        try:
            while not self.stop.is_set():
                head = _receive_exactly(self.sock, _HEAD.size)
                if head is None:
                    self._put(("eof", None))
                    return
                meta_size, buf_size = _HEAD.unpack(head)
                kind, payload = pickle.loads(_receive_exactly(self.sock, meta_size) or b"")
                if kind == "batch":
                    buf = np.empty(buf_size, dtype=np.uint8)
                    if buf_size and _receive_exactly(self.sock, buf_size, buf) is None:
                        self._put(("eof", None))
                        return
                    payload.buf = buf
                self._put((kind, payload))
                if kind != "batch":
                    return
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            self._put(("eof", exc))

    def batches(self) -> Iterator[_Batch]:
        while True:
            kind, payload = self.queue.get()
            if kind == "batch":
                yield payload
            elif kind == "end":
                return
            elif kind == "error":
                raise payload
            else:
                self._reap(wait=True)
                how = (f"killed by signal {-self.status}" if self.status and self.status < 0
                       else f"exit code {self.status}")
                raise ProvenanceError(
                    f"the process reading the inputs for dedup stopped before the end ({how}"
                    f"{'; ' + str(payload) if payload else ''}); run it again, or read in the one "
                    "process (--threads 1; PreparedBatches(separate_process=False))")

    def _reap(self, wait: bool) -> None:
        if self.status is not None:
            return
        pid, status = os.waitpid(self.pid, 0 if wait else os.WNOHANG)
        if pid:
            self.status = os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        self.stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join()
        self.sock.close()
        self._reap(wait=False)
        if self.status is None:  # stopped early (an error here): the child need not finish
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._reap(wait=True)


def _send(sock: socket.socket, batches: Iterator[_Batch]) -> None:
    for batch in batches:
        chunks, batch.chunks = batch.chunks, []
        _send_message(sock, ("batch", batch), chunks)
    _send_message(sock, ("end", None), [])


def _send_message(sock: socket.socket, message, chunks: list[bytes]) -> None:
    """The pickled ``message`` and then ``chunks`` as one run of bytes, gathered by the kernel
    (``sendmsg``) rather than joined here first."""
    meta = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    views = [memoryview(c) for c in chunks if len(c)]
    sock.sendall(_HEAD.pack(len(meta), sum(len(v) for v in views)) + meta)
    at = 0
    while at < len(views):
        sent = sock.sendmsg(views[at : at + 512])
        while sent:
            if sent >= len(views[at]):
                sent -= len(views[at])
                at += 1
            else:
                views[at] = views[at][sent:]
                sent = 0


def _receive_exactly(sock: socket.socket, size: int, into: np.ndarray | None = None):
    """``size`` bytes from ``sock`` (into ``into`` when given), or None at the end."""
    out = into if into is not None else bytearray(size)
    view = memoryview(out).cast("B")
    while len(view):
        got = sock.recv_into(view, len(view), socket.MSG_WAITALL)
        if got == 0:
            return None
        view = view[got:]
    return out


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ProvenanceError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return ProvenanceError(f"reading failed: {type(exc).__name__}: {exc}")


def dedup_prepared(batches: Iterable[_Batch], options: DedupOptions | None = None,
                   progress: Progress | None = None) -> DedupResult:
    """:func:`dedup` of documents read and prepared a batch at a time (:class:`PreparedBatches`):
    each batch is signed on a second thread (by the kernel, without the GIL) while the next one
    is read."""
    options = options or DedupOptions()
    report = progress or no_progress
    timings: dict[str, float] = {}
    ids: list[str] = []
    paths: list[str | None] = []
    published: list[str] = []
    counts: list[np.ndarray] = []
    skipped: list[Skipped] = []
    legacy: list[Document] = []
    store = _Signatures(options.num_perm)
    spill = _Spill(SPILL_MEMORY) if options.exact else None

    signing = ThreadPoolExecutor(max_workers=1)  # signs one batch while the next is read
    running: list[Future] = []

    def sign(buf: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with _kernel_threads(options.threads, options.engine):
            return sign_packed(buf, offsets, options.shingle_size, options.num_perm,
                               options.seed, options.engine)

    def collect() -> None:
        if running:
            sigs, n = running.pop().result()
            store.extend(sigs)
            counts.append(n)
            report("sign", store.size, 0)

    try:
        start = time.perf_counter()
        for batch in batches:
            skipped.extend(batch.skipped)
            legacy.extend(batch.legacy)
            if not batch.ids:
                continue
            ids.extend(batch.ids)
            paths.extend(batch.paths)
            published.extend(batch.published)
            buf = batch.packed()
            collect()
            running.append(signing.submit(sign, buf, batch.offsets))
            if spill is not None:
                spill.write(buf, batch.offsets)
        collect()
        timings["read+sign"] = time.perf_counter() - start
        signatures = store.array()
        shingles = np.concatenate(counts) if counts else np.empty(0, dtype=np.int64)
        verify = None
        if spill is not None:
            starts, ends = spill.bounds()
            verify = exact_verifier(spill.read, starts, ends, shingles, options.shingle_size,
                                    options.engine)
        with _kernel_threads(options.threads, options.engine):
            decisions, candidates, pairs = decide(ids, signatures, shingles, published,
                                                  options, paths=paths, timings=timings,
                                                  progress=report, verify=verify)
    finally:
        signing.shutdown(wait=True, cancel_futures=True)
        if spill is not None:
            spill.close()
    return DedupResult(tuple(decisions), tuple(skipped), candidates, pairs, timings,
                       tuple(legacy))


@contextmanager
def _kernel_threads(threads: int | None, engine: str) -> Iterator[None]:
    """The calling thread's compiled kernels run on ``threads`` threads within the block
    (numba's setting is per thread); nothing changes when ``threads`` is None or the engine is
    the numpy reference."""
    if threads is None or engine == "numpy":
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def lsh_bands(threshold: float, num_perm: int, exact: bool) -> tuple[int, int]:
    """Bands and rows for dedup's candidates: tuned for recall when candidates are checked
    exactly (25 x 5 at 0.8 with 128 permutations), else weighing a miss nine times a false
    candidate (14 x 9 at 0.8)."""
    if exact:
        if threshold == 0.8 and num_perm in _EXACT_BANDS:
            return _EXACT_BANDS[num_perm]
        return lsh_params(threshold, num_perm, *_LSH_WEIGHTS_EXACT)
    return lsh_params(threshold, num_perm, *_LSH_WEIGHTS)


def near_duplicates(
    signatures: np.ndarray, threshold: float, star_above: int = _STAR_ABOVE,
    verify: Verifier | None = None, bands: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs ``(i, j)`` (rows, ``i < j``) whose Jaccard is at least ``threshold`` -- exact when
    ``verify`` gives the pairs' exact similarities, else estimated from the signatures --, their
    similarities, and the number of candidates checked. A band key shared by more than
    ``star_above`` documents pairs each of them with the first (lowest index) only, so that a
    thousand copies of one text cost a thousand pairs, not half a million; rank documents
    before calling so that the first is the one to keep. ``bands``: ``(bands, rows)``, by
    default :func:`lsh_bands`."""
    n, num_perm = signatures.shape
    live = np.flatnonzero(~(signatures == EMPTY).all(axis=1))
    if len(live) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0), 0
    bands, rows = bands or lsh_bands(threshold, num_perm, verify is not None)
    keys = np.empty((len(live), bands), dtype=np.uint64)
    for s in range(0, len(live), 65536):  # bounds band_keys' (docs x slots) uint64 temporary
        keys[s : s + 65536] = band_keys(signatures[live[s : s + 65536]], bands, rows)
    found = colliding_pairs(keys.ravel(), np.repeat(live, bands), n, star_above=star_above)
    del keys
    if verify is not None:
        sims = verify(found[:, 0], found[:, 1]) if len(found) else np.zeros(0)
    else:
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
    verify: Verifier | None = None,
) -> tuple[list[Decision], int, int]:
    """Decisions (in the order of ``ids``) from the documents' signatures, shingle counts and
    ISO ``published`` dates ("" when unknown); also the counts of candidates and pairs.
    ``verify`` gives exact similarities of document pairs (see :func:`exact_verifier`);
    without it decisions rest on the signatures' estimates."""
    timings = {} if timings is None else timings
    report = progress or no_progress
    n = len(ids)
    paths = paths or [None] * n
    start = time.perf_counter()
    rank = _ranking(ids, signatures, shingles, published)  # rank[k]: the k-th document
    ranked = signatures[rank]
    timings["rank"] = time.perf_counter() - start
    start = time.perf_counter()
    in_ranks = None
    if verify is not None:
        def in_ranks(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            return verify(rank[i], rank[j])
    found, sims, candidates = near_duplicates(ranked, options.threshold, verify=in_ranks)
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
    rank_list, owner_list = rank.tolist(), owner.tolist()
    sims_list, shingle_list = similarity.tolist(), np.asarray(shingles).tolist()
    for k, doc in enumerate(rank_list):
        rep = rank_list[owner_list[k]]
        close = near.get(k)
        decisions[doc] = Decision(
            id=ids[doc], keep=owner_list[k] == k, cluster=ids[rep],
            similarity=sims_list[k], shingles=shingle_list[doc],
            near_clusters=tuple(sorted(ids[rank_list[c]] for c in close if c != owner_list[k]))
            if close else (),
            path=paths[doc])
    timings["cluster"] = time.perf_counter() - start
    return decisions, candidates, len(found)  # type: ignore[return-value]


def exact_pairs(hashes: np.ndarray, offsets: np.ndarray, sizes: np.ndarray,
                threshold: float, engine: str = "numpy") -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)``, ``i < j``, of sets (as from ``signatures.shingle_sets``) whose
    exact Jaccard is at least ``threshold``, and those similarities: the plain reference that
    LSH candidates are measured against. Prefix filtering: with the values ordered rarest
    first, two sets at Jaccard >= t share one of the first ``|A| - ceil(t |A|) + 1`` values of
    each (so no pair is missed), and only pairs sharing one are checked."""
    sizes = np.asarray(sizes, dtype=np.int64)
    docs = np.repeat(np.arange(len(sizes)), sizes)
    values = np.concatenate([hashes[o : o + z] for o, z in
                             zip(np.asarray(offsets).tolist(), sizes.tolist(), strict=True)]
                            ) if len(sizes) else np.empty(0, dtype=np.uint64)
    distinct, inverse, freq = np.unique(values, return_inverse=True, return_counts=True)
    rarity = np.lexsort((distinct, freq))  # rarest first, ties by value
    order_of = np.empty(len(distinct), dtype=np.int64)
    order_of[rarity] = np.arange(len(distinct))
    token = order_of[inverse]
    by_doc = np.lexsort((token, docs))  # each document's tokens, rarest first
    docs, token = docs[by_doc], token[by_doc]
    first = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=first[1:])
    position = np.arange(len(docs)) - first[docs]
    need = np.array([s - max(0, int(np.ceil(threshold * s - 1e-9))) + 1 for s in sizes.tolist()],
                    dtype=np.int64)
    prefix = position < need[docs]
    from provenance.similarity.candidates import colliding_pairs

    found = colliding_pairs(token[prefix].astype(np.uint64), docs[prefix], max(1, len(sizes)))
    if not len(found):
        return found, np.zeros(0)
    sims = set_jaccard(hashes, offsets, sizes, found[:, 0], found[:, 1], engine)
    keep = sims >= threshold
    return found[keep], sims[keep]


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
