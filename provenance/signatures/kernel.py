"""The fast path: numba kernels over a whole batch of documents, parallel over documents.

Each kernel computes exactly what the numpy reference in ``hashing.py`` / ``minhash.py`` computes
for one document at a time; ``tests/test_core.py`` holds them equal value for value. This module
is imported only when a kernel is first used, so numba's start-up is paid only by runs that take
the fast path.

**Compiling once.** Every kernel is compiled with ``cache=True``: the first use on a machine
compiles it (about 10 s for them all on a quiet machine) and writes the machine code to numba's
on-disk cache; every later process loads it (well under a second). The cache is the first
writable of ``NUMBA_CACHE_DIR``, ``__pycache__`` beside this file and numba's user cache folder
(``~/.cache/numba``); when none is writable (a read-only install and home), a folder under
the system's temporary directory (:func:`cache_dir`). The wrappers hand every kernel read-only
C-contiguous arrays of fixed dtypes, so each kernel has exactly one compiled signature
(:data:`ENTRY_POINTS`): :func:`kernels_cached` tells, without compiling, whether they are all
in the cache (a caller can then say "compiling the kernels once" before it stalls), and
:func:`warm_up` loads or compiles them ahead of first use.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache

import numba as nb
import numpy as np

from provenance.signatures.hashing import P1, P2, P3, P4, P5, SEED

__all__ = [
    "ENTRY_POINTS",
    "fmix64",
    "ROADS",
    "batch_shingle_hashes",
    "batch_shingle_sets",
    "batch_sign_bytes",
    "batch_signatures",
    "bytes_unit_hashes",
    "cache_dir",
    "kernels_cached",
    "pair_jaccard",
    "shingle_offsets",
    "warm_up",
]


def _writable(folder: str) -> bool:
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
        return True
    except OSError:
        return False


def _ensure_cache_dir() -> None:
    """Point numba's cache at a temporary folder when none of its own places is writable (it
    would otherwise refuse to define a cached kernel)."""
    if nb.config.CACHE_DIR:
        return
    if _writable(os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")):
        return
    from numba.misc.appdirs import AppDirs

    if _writable(AppDirs(appname="numba", appauthor=False).user_cache_dir):
        return
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    nb.config.CACHE_DIR = os.path.join(tempfile.gettempdir(), f"provenance-numba-{uid}")


_ensure_cache_dir()


def _ro(values, dtype) -> np.ndarray:
    """``values`` as a read-only C-contiguous array of ``dtype`` (a view when possible): the one
    argument type each kernel is compiled for."""
    out = np.ascontiguousarray(values, dtype=dtype)
    if out.flags.writeable:
        out = out.view()
        out.flags.writeable = False
    return out


_P1, _P2, _P4, _SEED = np.uint64(P1), np.uint64(P2), np.uint64(P4), np.uint64(SEED)
SERIAL_BYTES = 1 << 16
"""Packed inputs shorter than this (an index query, adds of a few documents) are signed and
keyed on the calling thread: waking numba's thread pool for 4 KB took longer than the work, and
on a machine busy with other processes the pool's threads waited to be scheduled -- an index
query's sentence keys took 3-12 ms instead of 0.3 (load 5 on 2 cores)."""
_MASK32 = np.uint64(0xFFFFFFFF)
_U64 = nb.uint64
_U32 = nb.uint32


@nb.njit(cache=True, inline="always")
def _fmix64(h):
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


fmix64 = _fmix64
"""MurmurHash3's 64-bit finalizer, compiled (for other kernels; the plain one is
``hashing.fmix64``)."""


@nb.njit(cache=True, inline="always")
def _fmix32(h):  # on a uint64 holding 32 bits
    h ^= h >> _U64(16)
    h = (h * _U64(0x85EBCA6B)) & _MASK32
    h ^= h >> _U64(13)
    h = (h * _U64(0xC2B2AE35)) & _MASK32
    return h ^ (h >> _U64(16))


@nb.njit(parallel=True, cache=True)
def _shingles(units, offsets, n, out_offsets, out):
    for d in nb.prange(offsets.size - 1):
        s = offsets[d]
        k = min(n, offsets[d + 1] - s)
        o = out_offsets[d]
        init = _SEED ^ (_U64(k) * _P1)
        for i in range(out_offsets[d + 1] - o):
            h = init
            for j in range(k):
                h ^= units[s + i + j] * _P2
                h = ((h << _U64(27)) | (h >> _U64(37))) * _P1 + _P4
            out[o + i] = _fmix64(h)


@nb.njit(cache=True, inline="always")
def _min_rows(xs, a, b):
    """The signature row of the pre-mixed shingle values ``xs``: per permutation, the least
    ``a * x + b`` (uint32). Four shingles per pass over the row, so that the row is loaded and
    stored a quarter as often; the permutation loop vectorizes (measured: benchmarks/core.py)."""
    num_perm = a.size
    row = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    n = xs.size
    i = 0
    while i + 4 <= n:
        x0, x1, x2, x3 = xs[i], xs[i + 1], xs[i + 2], xs[i + 3]
        for q in range(num_perm):
            aq, bq = a[q], b[q]
            v = min(_U32(aq * x0 + bq), _U32(aq * x1 + bq))
            v = min(v, min(_U32(aq * x2 + bq), _U32(aq * x3 + bq)))
            row[q] = min(row[q], v)
        i += 4
    while i < n:
        x = xs[i]
        for q in range(num_perm):
            row[q] = min(row[q], _U32(a[q] * x + b[q]))
        i += 1
    return row


@nb.njit(parallel=True, cache=True)
def _signatures(sh, offsets, a, b, out):
    # Branch-free min over uint32 lanes: LLVM vectorizes the permutation loop (8x faster than a
    # compare-and-store in uint64, measured with benchmarks/core.py); see _min_rows.
    for d in nb.prange(offsets.size - 1):
        start, end = offsets[d], offsets[d + 1]
        xs = np.empty(end - start, dtype=np.uint32)
        for i in range(start, end):
            xs[i - start] = _U32(_fmix32(sh[i] >> _U64(32)))
        out[d, :] = _min_rows(xs, a, b)


def shingle_offsets(unit_offsets: np.ndarray, n: int) -> np.ndarray:
    """Where each document's shingles start in the batch output (see ``hashing.shingle_hashes``)."""
    lengths = np.diff(unit_offsets)
    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def batch_shingle_hashes(units: np.ndarray, unit_offsets: np.ndarray, n: int):
    """All documents' shingle hashes: ``(hashes, offsets)``; document d owns
    ``hashes[offsets[d]:offsets[d+1]]``."""
    unit_offsets = _ro(unit_offsets, np.int64)
    offsets = shingle_offsets(unit_offsets, n)
    out = np.empty(offsets[-1], dtype=np.uint64)
    _shingles(_ro(units, np.uint64), unit_offsets, int(n), _ro(offsets, np.int64), out)
    return out, offsets


def batch_signatures(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray):
    """One uint32 signature row per document, from the batch of shingle hashes."""
    out = np.empty((len(offsets) - 1, len(a)), dtype=np.uint32)
    _signatures(_ro(hashes, np.uint64), _ro(offsets, np.int64), _ro(a, np.uint32),
                _ro(b, np.uint32), out)
    return out


# --- from bytes: UTF-8 -> words -> xxh64 -> shingles -> signature, one pass per document -------

_X1, _X2, _X3, _X4, _X5 = (np.uint64(p) for p in (P1, P2, P3, P4, P5))  # xxh64's primes


@nb.njit(cache=True, inline="always")
def _rotl(x, r):
    return (x << _U64(r)) | (x >> _U64(64 - r))


@nb.njit(cache=True, inline="always")
def _read64(buf, p):
    v = _U64(0)
    for i in range(8):
        v |= _U64(buf[p + i]) << _U64(8 * i)
    return v


@nb.njit(cache=True, inline="always")
def _read32(buf, p):
    v = _U64(0)
    for i in range(4):
        v |= _U64(buf[p + i]) << _U64(8 * i)
    return v


@nb.njit(cache=True, inline="always")
def _xround(acc, lane):
    return _rotl(acc + lane * _X2, 31) * _X1


@nb.njit(cache=True, inline="always")
def _xxh64(buf, start, end):
    """xxh64 of ``buf[start:end]`` with seed 0 (the reference is the xxhash library)."""
    length = end - start
    p = start
    if length >= 32:
        v1 = _X1 + _X2
        v2 = _X2
        v3 = _U64(0)
        v4 = _U64(0) - _X1
        while p + 32 <= end:
            v1 = _xround(v1, _read64(buf, p))
            v2 = _xround(v2, _read64(buf, p + 8))
            v3 = _xround(v3, _read64(buf, p + 16))
            v4 = _xround(v4, _read64(buf, p + 24))
            p += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        for v in (v1, v2, v3, v4):
            h = (h ^ _xround(_U64(0), v)) * _X1 + _X4
    else:
        h = _X5
    h += _U64(length)
    while p + 8 <= end:
        h ^= _xround(_U64(0), _read64(buf, p))
        h = _rotl(h, 27) * _X1 + _X4
        p += 8
    if p + 4 <= end:
        h ^= _read32(buf, p) * _X1
        h = _rotl(h, 23) * _X2 + _X3
        p += 4
    while p < end:
        h ^= _U64(buf[p]) * _X5
        h = _rotl(h, 11) * _X1
        p += 1
    h ^= h >> _U64(33)
    h *= _X2
    h ^= h >> _U64(29)
    h *= _X3
    return h ^ (h >> _U64(32))


@nb.njit(cache=True, inline="always")
def _decode(buf, p, end):
    """(code point, length) of the UTF-8 sequence at ``p``; code point -1 when invalid (the
    sequence is then one byte long)."""
    c = np.int64(buf[p])
    if c < 0x80:
        return c, 1
    if c < 0xC2:
        return -1, 1  # a continuation byte, or an overlong 2-byte lead
    if c < 0xE0:
        n, cp, low = 1, c & 0x1F, 0x80
    elif c < 0xF0:
        n, cp, low = 2, c & 0x0F, 0x800
    elif c < 0xF5:
        n, cp, low = 3, c & 0x07, 0x10000
    else:
        return -1, 1
    if p + n >= end:
        return -1, 1  # truncated at the end of the document
    for i in range(1, n + 1):
        b = np.int64(buf[p + i])
        if b & 0xC0 != 0x80:
            return -1, 1
        cp = (cp << 6) | (b & 0x3F)
    if cp < low or cp > 0x10FFFF or (0xD800 <= cp <= 0xDFFF):
        return -1, 1
    return cp, n + 1


@nb.njit(cache=True, inline="always")
def _next_word(buf, p, end, table):
    """The next word at or after ``p`` in ``buf[:end]``: ``(start, stop, brk)``, ``brk`` telling
    whether a sentence break (``.``, ``!``, ``?``, newline) came first; ``start`` is -1 when no
    word is left. A word is a run of word characters joined by single apostrophes."""
    brk = False
    start = -1
    while p < end:
        c = buf[p]
        if c < 0x80:  # ASCII: no decoding
            cp, size = np.int64(c), 1
        else:
            cp, size = _decode(buf, p, end)
        if cp >= 0 and table[cp]:
            if start < 0:
                start = p
            p += size
            continue
        if cp == 0x27 and start >= 0 and p + 1 < end:
            nxt, _ = _decode(buf, p + 1, end)
            if nxt >= 0 and table[nxt]:
                p += 1  # an apostrophe inside a word: "wörld's"
                continue
        if start >= 0:
            return start, p, brk
        if cp == 0x2E or cp == 0x21 or cp == 0x3F or cp == 0x0A:  # . ! ? newline
            brk = True
        p += size
    return start, end, brk


@nb.njit(cache=True)
def _unit_hashes(buf, start, end, table, units):
    """Words of ``buf[start:end]`` (see ``text_bytes``) -> their xxh64 in ``units``; returns
    the count. The word rule of :func:`_next_word`, written out as one loop: calling
    ``_next_word`` here measured 25% slower on the signing path (32 vs 26 us a document)."""
    count = 0
    p = start
    word_start = -1
    while p < end:
        c = buf[p]
        if c < 0x80:  # ASCII: no decoding
            cp, size = np.int64(c), 1
        else:
            cp, size = _decode(buf, p, end)
        if cp >= 0 and table[cp]:
            if word_start < 0:
                word_start = p
            p += size
            continue
        if cp == 0x27 and word_start >= 0 and p + 1 < end:
            nxt, _ = _decode(buf, p + 1, end)
            if nxt >= 0 and table[nxt]:
                p += 1  # an apostrophe inside a word: "wörld's"
                continue
        if word_start >= 0:
            units[count] = _xxh64(buf, word_start, p)
            count += 1
            word_start = -1
        p += size
    if word_start >= 0:
        units[count] = _xxh64(buf, word_start, end)
        count += 1
    return count


@nb.njit(cache=True, nogil=True, inline="always")
def _shingle_hashes(buf, start, end, table, n):
    """The 64-bit hashes (before the final mix) of the ``n``-word shingles of ``buf[start:end]``:
    what the signature folds and what exact Jaccard compares."""
    units = np.empty((end - start) // 2 + 1, dtype=np.uint64)
    m = _unit_hashes(buf, start, end, table, units)
    k = min(n, m)
    shingles = m - k + 1 if k > 0 else 0
    hs = np.empty(shingles, dtype=np.uint64)
    init = _SEED ^ (_U64(k) * _P1)
    for i in range(shingles):
        h = init
        for j in range(k):
            h ^= units[i + j] * _P2
            h = ((h << _U64(27)) | (h >> _U64(37))) * _P1 + _P4
        hs[i] = h
    return hs


@nb.njit(cache=True, nogil=True)
def _sign_one(buf, offsets, table, n, a, b, out, counts, d):
    hs = _shingle_hashes(buf, offsets[d], offsets[d + 1], table, n)
    xs = np.empty(hs.size, dtype=np.uint32)
    for i in range(hs.size):
        xs[i] = _U32(_fmix32(_fmix64(hs[i]) >> _U64(32)))
    out[d, :] = _min_rows(xs, a, b)
    counts[d] = hs.size


@nb.njit(parallel=True, cache=True, nogil=True)  # dedup reads the next batch meanwhile
def _sign_bytes(buf, offsets, table, n, a, b, out, counts):
    for d in nb.prange(offsets.size - 1):
        _sign_one(buf, offsets, table, n, a, b, out, counts, d)


@nb.njit(cache=True, nogil=True)
def _sign_bytes_serial(buf, offsets, table, n, a, b, out, counts):
    # _sign_bytes on the calling thread: for a few documents (an index query or a small add),
    # waking the thread pool costs more than the work -- and on a busy machine, milliseconds
    for d in range(offsets.size - 1):
        _sign_one(buf, offsets, table, n, a, b, out, counts, d)


@nb.njit(cache=True)
def _sorted_unique(values, out, at):
    """Sort ``values`` in place and write its distinct values to ``out[at:]``; returns the
    count written."""
    values.sort()
    count = 0
    for i in range(values.size):
        if i == 0 or values[i] != values[i - 1]:
            out[at + count] = values[i]
            count += 1
    return count


@nb.njit(parallel=True, cache=True)
def _shingle_sets(buf, starts, ends, table, n, out_offsets, out, sizes):
    # Document d's distinct 64-bit shingle hashes, sorted, into out[out_offsets[d]:]: the
    # values _sign_bytes folds into the signature, before the fold (exact Jaccard).
    for d in nb.prange(starts.size):
        hs = _shingle_hashes(buf, starts[d], ends[d], table, n)
        for i in range(hs.size):
            hs[i] = _fmix64(hs[i])
        sizes[d] = _sorted_unique(hs, out, out_offsets[d])


@nb.njit(parallel=True, cache=True)
def _pair_jaccard(hashes, offsets, sizes, left, right, out):
    # Exact Jaccard of sorted distinct sets, one merge per pair.
    for p in nb.prange(left.size):
        a, b = left[p], right[p]
        i, i_end = offsets[a], offsets[a] + sizes[a]
        j, j_end = offsets[b], offsets[b] + sizes[b]
        common = 0
        while i < i_end and j < j_end:
            x, y = hashes[i], hashes[j]
            if x == y:
                common += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        union = sizes[a] + sizes[b] - common
        out[p] = common / union if union > 0 else 0.0


def batch_shingle_sets(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, table: np.ndarray,
                       n: int, bounds: np.ndarray | None = None):
    """Each document's distinct shingle hashes, sorted: ``(hashes, offsets, sizes)``; document
    d (``buf[starts[d]:ends[d]]``, prepared bytes) owns ``hashes[offsets[d]:offsets[d] +
    sizes[d]]``. ``bounds`` (at least each document's shingle count, as ``batch_sign_bytes``
    returns it) sizes the output; without it, half the document's bytes."""
    starts = _ro(starts, np.int64)
    ends = _ro(ends, np.int64)
    if bounds is None:
        bounds = (ends - starts) // 2 + 1
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(bounds, out=offsets[1:])
    out = np.empty(offsets[-1], dtype=np.uint64)
    sizes = np.zeros(len(starts), dtype=np.int64)
    _shingle_sets(_ro(buf, np.uint8), starts, ends, _ro(table, np.bool_), int(n),
                  _ro(offsets, np.int64), out, sizes)
    return out, offsets[:-1], sizes


def pair_jaccard(hashes: np.ndarray, offsets: np.ndarray, sizes: np.ndarray, left: np.ndarray,
                 right: np.ndarray) -> np.ndarray:
    """Exact Jaccard of the sets ``left[p]`` and ``right[p]`` of :func:`batch_shingle_sets`'s
    output (0.0 for two empty sets)."""
    out = np.empty(len(left), dtype=np.float64)
    _pair_jaccard(_ro(hashes, np.uint64), _ro(offsets, np.int64), _ro(sizes, np.int64),
                  _ro(left, np.int64), _ro(right, np.int64), out)
    return out


@nb.njit(cache=True)
def _unit_hashes_one(buf, table):
    units = np.empty(buf.size // 2 + 1, dtype=np.uint64)
    m = _unit_hashes(buf, 0, buf.size, table, units)
    return units[:m]


def bytes_unit_hashes(data: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The kernel's unit hashes of one document's bytes (for the tests)."""
    return _unit_hashes_one(np.ascontiguousarray(data, dtype=np.uint8), table)


def batch_sign_bytes(buf: np.ndarray, offsets: np.ndarray, table: np.ndarray, n: int,
                     a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signatures (uint32, one row per document) and shingle counts straight from the packed
    bytes of a batch (``text_bytes.pack``)."""
    docs = len(offsets) - 1
    out = np.empty((docs, len(a)), dtype=np.uint32)
    counts = np.empty(docs, dtype=np.int64)
    kernel = _sign_bytes_serial if len(buf) < SERIAL_BYTES else _sign_bytes
    kernel(_ro(buf, np.uint8), _ro(offsets, np.int64), _ro(table, np.bool_), int(n),
           _ro(a, np.uint32), _ro(b, np.uint32), out, counts)
    return out, counts


# --- sentence keys from bytes ------------------------------------------------------------------

_Q1, _Q2 = np.uint64(P1), np.uint64(P2)


def hash_set(values: np.ndarray) -> np.ndarray:
    """An open-addressing table of uint64 ``values`` (none of them 0, which marks an empty
    slot) for :func:`_in_set`: a quarter full, so a lookup reads one or two slots. Stop words
    looked up in it instead of by ``np.searchsorted``: finding, hashing and looking up the words
    of a 600-word document took 31 us instead of 48 (best of 5 in one process, 1 thread)."""
    values = np.unique(np.asarray(values, dtype=np.uint64))
    if (values == 0).any():
        raise ValueError("0 marks an empty slot and cannot be stored")
    size = 1 << max(4, int(4 * len(values) - 1).bit_length())
    slots = np.zeros(size, dtype=np.uint64)
    for v in values.tolist():
        i = (v >> 40) & (size - 1)
        while slots[i]:
            i = (i + 1) & (size - 1)
        slots[i] = v
    return slots


@lru_cache(maxsize=4)
def _cached_hash_set(values: bytes) -> np.ndarray:
    slots = hash_set(np.frombuffer(values, dtype=np.uint64))
    slots.setflags(write=False)
    return slots


@nb.njit(cache=True, inline="always")
def _in_set(slots, h):
    mask = _U64(slots.size - 1)
    i = (h >> _U64(40)) & mask
    while True:
        v = slots[i]
        if v == h:
            return h != 0
        if v == 0:
            return False
        i = (i + _U64(1)) & mask


@nb.njit(cache=True)
def _sentence_keys_one(buf, start, end, table, stop, mix, out, at):
    """Sentence keys of ``buf[start:end]`` written to ``out[at:]`` (see
    ``text_bytes.sentence_keys_reference``); returns the new ``at``."""
    m0 = m1 = m2 = m3 = _U64(0xFFFFFFFFFFFFFFFF)
    content = 0
    p = start
    while True:
        word, stop_at, brk = _next_word(buf, p, end, table)
        if brk or word < 0:  # a sentence ends: key it if it has four content words
            if content >= 4:
                out[at] = ((m0 * _Q2) ^ m1) * _Q1
                out[at + 1] = ((m2 * _Q2) ^ m3) * _Q1 + _Q2
                at += 2
            m0 = m1 = m2 = m3 = _U64(0xFFFFFFFFFFFFFFFF)
            content = 0
        if word < 0:
            return at
        p = stop_at
        h = _xxh64(buf, word, p)
        if p - word > 1 and not _in_set(stop, h):
            content += 1
            m0 = min(m0, (h ^ mix[0]) * _Q1)
            m1 = min(m1, (h ^ mix[1]) * _Q1)
            m2 = min(m2, (h ^ mix[2]) * _Q1)
            m3 = min(m3, (h ^ mix[3]) * _Q1)


@nb.njit(parallel=True, cache=True)
def _sentence_keys(buf, offsets, table, stop, mix, out, out_offsets, counts):
    for d in nb.prange(offsets.size - 1):
        start = out_offsets[d]
        counts[d] = _sentence_keys_one(buf, offsets[d], offsets[d + 1], table, stop, mix, out,
                                       start) - start


@nb.njit(cache=True)
def _sentence_keys_serial(buf, offsets, table, stop, mix, out, out_offsets, counts):
    # _sentence_keys on the calling thread (see _sign_bytes_serial)
    for d in range(offsets.size - 1):
        start = out_offsets[d]
        counts[d] = _sentence_keys_one(buf, offsets[d], offsets[d + 1], table, stop, mix, out,
                                       start) - start


def batch_sentence_keys(buf: np.ndarray, offsets: np.ndarray, table: np.ndarray,
                        stop: np.ndarray, mix: np.ndarray) -> list[np.ndarray]:
    """Each document's sentence keys (uint64, in text order, repeats kept) from packed bytes."""
    offsets = _ro(offsets, np.int64)
    room = np.diff(offsets) // 5 + 2  # a keyed sentence takes at least 4 words of 2 bytes
    out_offsets = np.zeros(len(room) + 1, dtype=np.int64)
    np.cumsum(room, out=out_offsets[1:])
    out = np.empty(out_offsets[-1], dtype=np.uint64)
    counts = np.zeros(len(room), dtype=np.int64)
    kernel = _sentence_keys_serial if len(buf) < SERIAL_BYTES else _sentence_keys
    kernel(_ro(buf, np.uint8), offsets, _ro(table, np.bool_),
           _cached_hash_set(np.asarray(stop, dtype=np.uint64).tobytes()),
           _ro(mix, np.uint64), out, _ro(out_offsets, np.int64), counts)
    return [out[out_offsets[d] : out_offsets[d] + counts[d]] for d in range(len(room))]


# --- compiling ahead of first use --------------------------------------------------------------

_RO = {dt: nb.typeof(_ro(np.empty(1, dtype=dt), dt)) for dt in
       (np.uint8, np.uint32, np.uint64, np.int64, np.bool_)}
_W1 = {dt: nb.typeof(np.empty(1, dtype=dt)) for dt in (np.uint64, np.int64, np.float64)}
_W2U32 = nb.typeof(np.empty((1, 1), dtype=np.uint32))
_I64 = nb.typeof(1)

ENTRY_POINTS = {
    "shingles": (_shingles, (_RO[np.uint64], _RO[np.int64], _I64, _RO[np.int64],
                             _W1[np.uint64])),
    "signatures": (_signatures, (_RO[np.uint64], _RO[np.int64], _RO[np.uint32], _RO[np.uint32],
                                 _W2U32)),
    "sign_bytes": (_sign_bytes, (_RO[np.uint8], _RO[np.int64], _RO[np.bool_], _I64,
                                 _RO[np.uint32], _RO[np.uint32], _W2U32, _W1[np.int64])),
    "shingle_sets": (_shingle_sets, (_RO[np.uint8], _RO[np.int64], _RO[np.int64],
                                     _RO[np.bool_], _I64, _RO[np.int64], _W1[np.uint64],
                                     _W1[np.int64])),
    "pair_jaccard": (_pair_jaccard, (_RO[np.uint64], _RO[np.int64], _RO[np.int64],
                                     _RO[np.int64], _RO[np.int64], _W1[np.float64])),
    "sentence_keys": (_sentence_keys, (_RO[np.uint8], _RO[np.int64], _RO[np.bool_],
                                       _RO[np.uint64], _RO[np.uint64], _W1[np.uint64],
                                       _RO[np.int64], _W1[np.int64])),
    "sign_bytes_serial": (_sign_bytes_serial, (_RO[np.uint8], _RO[np.int64], _RO[np.bool_],
                                               _I64, _RO[np.uint32], _RO[np.uint32], _W2U32,
                                               _W1[np.int64])),
    "sentence_keys_serial": (_sentence_keys_serial, (_RO[np.uint8], _RO[np.int64],
                                                     _RO[np.bool_], _RO[np.uint64],
                                                     _RO[np.uint64], _W1[np.uint64],
                                                     _RO[np.int64], _W1[np.int64])),
}
"""Every kernel the wrappers call, by name, with the one argument signature they call it with:
``shingles`` and ``signatures`` (the scan road, from word hashes), ``sign_bytes`` (dedup and
index), ``shingle_sets`` and ``pair_jaccard`` (dedup's exact checks), ``sentence_keys`` (index); the
``*_serial`` twins run inputs under :data:`SERIAL_BYTES` on the calling thread."""

ROADS = {
    "scan": ("shingles", "signatures"),
    "dedup": ("sign_bytes", "sign_bytes_serial", "shingle_sets", "pair_jaccard"),
    "index": ("sign_bytes", "sign_bytes_serial", "sentence_keys", "sentence_keys_serial"),
}
"""The kernels each road uses, for :func:`kernels_cached` and :func:`warm_up`."""


def _chosen(names):
    if names is None:
        return list(ENTRY_POINTS.values())
    if isinstance(names, str):
        names = ROADS.get(names, (names,))
    unknown = [n for n in names if n not in ENTRY_POINTS]
    if unknown:
        raise ValueError(f"no kernel named {', '.join(unknown)}; the kernels are "
                         f"{', '.join(ENTRY_POINTS)}, the roads {', '.join(ROADS)}")
    return [ENTRY_POINTS[n] for n in names]


def cache_dir() -> str:
    """Where the compiled kernels are cached (see the module's docstring)."""
    return _sign_bytes._cache.cache_path


def kernels_cached(names=None) -> bool:
    """Whether the kernels ``names`` (kernel names of :data:`ENTRY_POINTS` or a road of
    :data:`ROADS`; all when None) are loaded in this process or compiled in the on-disk cache
    for this machine, numba and source -- so no call to them will stall to compile. Reads only
    the cache's index files. ``False`` when it cannot tell."""
    chosen = _chosen(names)
    try:
        for kernel, sig in chosen:
            if tuple(sig) in kernel.overloads:
                continue
            cache = kernel._cache
            key = cache._index_key(tuple(sig), kernel.targetctx.codegen())
            if key not in cache._cache_file._load_index():
                return False
        return True
    except Exception:  # noqa: BLE001 -- numba's cache internals moved: say "not cached"
        return False


def warm_up(names=None) -> int:
    """Load the kernels ``names`` (as for :func:`kernels_cached`; all when None) from the
    on-disk cache, compiling (and caching) those not there yet; returns how many had to be
    compiled."""
    compiled = 0
    for kernel, sig in _chosen(names):
        if tuple(sig) in kernel.overloads:
            continue
        misses = sum(kernel.stats.cache_misses.values())
        kernel.compile(tuple(sig))
        compiled += sum(kernel.stats.cache_misses.values()) > misses
    return compiled
