"""MinHash signatures compatible with datasketch 2.x's ``affine32`` scheme (numpy reference).

For a shingle with 64-bit hash ``s``, datasketch sees ``h = s >> 32`` (see
:func:`hashing.minhash_input`), mixes it once with the 32-bit MurmurHash3 finalizer, and
permutation ``k`` maps it to ``a[k] * h + b[k] mod 2**32``; the signature is the minimum per
permutation. The parameters ``a, b`` are datasketch's own for the given seed, so a signature
becomes a :class:`datasketch.LeanMinHash` that datasketch's LSH accepts. An empty document's
signature is all ``0xFFFFFFFF`` (datasketch's empty MinHash); :func:`estimate_jaccard` gives 0 for
it rather than datasketch's 1.0, since two empty texts share nothing.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = [
    "EMPTY",
    "SCHEME",
    "estimate_jaccard",
    "estimate_jaccard_many",
    "fmix32",
    "permutations",
    "signature_reference",
    "to_lean_minhash",
]

SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)
_U32 = np.uint32


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` (uint32) for this seed.

    Drawn exactly as ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` draws them (a
    test compares the two), without importing datasketch on the scan path.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix), element-wise on uint32."""
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


def signature_reference(shingles: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """The uint32 signature of one document's 64-bit shingle hashes (plain numpy)."""
    a, b = permutations(num_perm, seed)
    if len(shingles) == 0:
        return np.full(num_perm, EMPTY, dtype=np.uint32)
    h = fmix32((np.asarray(shingles, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32))
    out = np.full(num_perm, EMPTY, dtype=np.uint32)
    for start in range(0, len(h), 4096):  # bound the (shingles x permutations) temporary
        block = h[start : start + 4096, None] * a[None, :] + b[None, :]
        np.minimum(out, block.min(axis=0), out=out)
    return out


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Share of equal signature slots; 0.0 when either document is empty."""
    if (sig_a == EMPTY).all() or (sig_b == EMPTY).all():
        return 0.0
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def estimate_jaccard_many(sig: np.ndarray, others: np.ndarray) -> np.ndarray:
    """:func:`estimate_jaccard` of ``sig`` against each row of ``others`` (float64), at once."""
    others = np.asarray(others).reshape(-1, len(sig))
    if (sig == EMPTY).all():
        return np.zeros(len(others))
    share = np.count_nonzero(others == sig, axis=1) / len(sig)
    share[(others == EMPTY).all(axis=1)] = 0.0
    return share


def to_lean_minhash(signature: np.ndarray, seed: int = 1):
    """Our signature as a :class:`datasketch.LeanMinHash` (for datasketch's LSH and storage)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=np.asarray(signature, dtype=np.uint32), scheme=SCHEME)
