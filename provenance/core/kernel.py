"""The fast path: numba kernels over a whole batch of documents, parallel over documents.

Each kernel computes exactly what the numpy reference in ``hashing.py`` / ``minhash.py`` computes
for one document at a time; ``tests/test_core.py`` holds them equal value for value. numba is
imported only when a kernel is first used, and compiled code is cached on disk.
"""

from __future__ import annotations

import numpy as np

from .hashing import P1, P2, P4, SEED

__all__ = ["batch_shingle_hashes", "batch_signatures", "shingle_offsets"]

_KERNELS = None


def _compile():
    global _KERNELS
    if _KERNELS is not None:
        return _KERNELS
    import numba as nb

    u64, u32 = nb.uint64, nb.uint32
    p1, p2, p4, seed = u64(P1), u64(P2), u64(P4), u64(SEED)
    mask32 = u64(0xFFFFFFFF)

    @nb.njit(cache=True, inline="always")
    def fmix64(h):
        h ^= h >> u64(33)
        h *= u64(0xFF51AFD7ED558CCD)
        h ^= h >> u64(33)
        h *= u64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> u64(33))

    @nb.njit(cache=True, inline="always")
    def fmix32(h):  # on a uint64 holding 32 bits
        h ^= h >> u64(16)
        h = (h * u64(0x85EBCA6B)) & mask32
        h ^= h >> u64(13)
        h = (h * u64(0xC2B2AE35)) & mask32
        return h ^ (h >> u64(16))

    @nb.njit(parallel=True, cache=True)
    def shingles(units, offsets, n, out_offsets, out):
        for d in nb.prange(offsets.size - 1):
            s = offsets[d]
            length = offsets[d + 1] - s
            k = min(n, length)
            o = out_offsets[d]
            init = seed ^ (u64(k) * p1)
            for i in range(out_offsets[d + 1] - o):
                h = init
                for j in range(k):
                    h ^= units[s + i + j] * p2
                    h = ((h << u64(27)) | (h >> u64(37))) * p1 + p4
                out[o + i] = fmix64(h)

    @nb.njit(parallel=True, cache=True)
    def signatures(sh, offsets, a, b, out):
        num_perm = a.size
        for d in nb.prange(offsets.size - 1):
            row = np.full(num_perm, mask32, dtype=np.uint64)
            for i in range(offsets[d], offsets[d + 1]):
                x = fmix32(sh[i] >> u64(32))
                for k in range(num_perm):
                    v = (u64(a[k]) * x + u64(b[k])) & mask32
                    if v < row[k]:
                        row[k] = v
            for k in range(num_perm):
                out[d, k] = u32(row[k])

    _KERNELS = (shingles, signatures)
    return _KERNELS


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
    shingles, _ = _compile()
    unit_offsets = np.ascontiguousarray(unit_offsets, dtype=np.int64)
    offsets = shingle_offsets(unit_offsets, n)
    out = np.empty(offsets[-1], dtype=np.uint64)
    shingles(np.ascontiguousarray(units, dtype=np.uint64), unit_offsets, n, offsets, out)
    return out, offsets


def batch_signatures(hashes: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray):
    """One uint32 signature row per document, from the batch of shingle hashes."""
    _, signatures = _compile()
    out = np.empty((len(offsets) - 1, len(a)), dtype=np.uint32)
    signatures(np.ascontiguousarray(hashes, dtype=np.uint64),
               np.ascontiguousarray(offsets, dtype=np.int64), a, b, out)
    return out
