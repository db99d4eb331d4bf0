"""The fast path: numba kernels over a whole batch of documents, parallel over documents.

Each kernel computes exactly what the numpy reference in ``hashing.py`` / ``minhash.py`` computes
for one document at a time; ``tests/test_core.py`` holds them equal value for value. Compiled
code is cached on disk (``__pycache__`` beside this file, or ``NUMBA_CACHE_DIR``). This module is
imported only when a kernel is first used, so numba's start-up (about 0.8 s warm, a few seconds
on the first compile) is paid only by runs that take the fast path.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .hashing import P1, P2, P4, SEED

__all__ = ["batch_shingle_hashes", "batch_signatures", "shingle_offsets"]

_P1, _P2, _P4, _SEED = np.uint64(P1), np.uint64(P2), np.uint64(P4), np.uint64(SEED)
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


@nb.njit(parallel=True, cache=True)
def _signatures(sh, offsets, a, b, out):
    # Branch-free min over uint32 lanes: LLVM vectorizes the permutation loop (8x faster than a
    # compare-and-store in uint64, measured with benchmarks/core.py).
    num_perm = a.size
    for d in nb.prange(offsets.size - 1):
        row = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
        for i in range(offsets[d], offsets[d + 1]):
            x = _U32(_fmix32(sh[i] >> _U64(32)))
            for k in range(num_perm):
                row[k] = min(row[k], _U32(a[k] * x + b[k]))
        out[d, :] = row


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
    unit_offsets = np.ascontiguousarray(unit_offsets, dtype=np.int64)
    offsets = shingle_offsets(unit_offsets, n)
    out = np.empty(offsets[-1], dtype=np.uint64)
    _shingles(np.ascontiguousarray(units, dtype=np.uint64), unit_offsets, n, offsets, out)
    return out, offsets


def batch_signatures(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray):
    """One uint32 signature row per document, from the batch of shingle hashes."""
    out = np.empty((len(offsets) - 1, len(a)), dtype=np.uint32)
    _signatures(np.ascontiguousarray(hashes, dtype=np.uint64),
               np.ascontiguousarray(offsets, dtype=np.int64), a, b, out)
    return out
