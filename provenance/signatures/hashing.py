"""Shingle hashing: units (words or characters) -> 64-bit unit hashes -> 64-bit shingle hashes.

A document becomes a sequence of *unit hashes*: ``xxh64`` of each normalized word (or of each
character, for character shingles). A shingle of ``n`` consecutive units hashes to
``combine(unit hashes)``, a fixed mix over the n values, so each unit is hashed once however many
shingles it belongs to. The same definition is written three times -- scalar Python
(:func:`shingle_hash`, for datasketch's ``hashfunc``), numpy (:func:`shingle_hashes`, the
reference) and numba (``kernel.py``) -- and the tests hold them equal.

A document with fewer units than ``n`` (but at least one) is one shingle of all its units; an
empty document has no shingles.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

from provenance.errors import ConfigError

__all__ = [
    "MASK64",
    "char_unit_hashes",
    "fmix64",
    "minhash_input",
    "shingle_hash",
    "shingle_hashes",
    "unit_hash",
    "word_unit_hashes",
]

MASK64 = (1 << 64) - 1
# xxh64's five primes: the one definition (the kernels, sentence keys and band keys use them)
P1 = 0x9E3779B185EBCA87
P2 = 0xC2B2AE3D27D4EB4F
P3 = 0x165667B19E3779F9
P4 = 0x85EBCA77C2B2AE63
P5 = 0x27D4EB2F165667C5
SEED = P5
_U64 = np.uint64


def unit_hash(unit: str) -> int:
    """The 64-bit hash of one normalized word or character (xxh64, seed 0, of its UTF-8)."""
    return xxhash.xxh64_intdigest(unit.encode("utf-8"))


_WORD_CACHE: dict[str, int] = {}
_CHAR_CACHE: dict[str, int] = {}
_CACHE_LIMIT = 2_000_000  # words; the cache is emptied when it grows past this


def word_unit_hashes(words: Sequence[str]) -> np.ndarray:
    """uint64 unit hashes of normalized words (each distinct word hashed once per process)."""
    cache = _WORD_CACHE
    try:
        return np.array([cache[w] for w in words], dtype=np.uint64)
    except KeyError:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        for w in words:
            if w not in cache:
                cache[w] = xxhash.xxh64_intdigest(w.encode("utf-8"))
        return np.array([cache[w] for w in words], dtype=np.uint64)


def char_unit_hashes(text: str) -> np.ndarray:
    """uint64 unit hashes of the characters of ``text`` (hashes cached per character)."""
    cache = _CHAR_CACHE
    out = np.empty(len(text), dtype=np.uint64)
    for i, ch in enumerate(text):
        h = cache.get(ch)
        if h is None:
            h = cache[ch] = xxhash.xxh64_intdigest(ch.encode("utf-8"))
        out[i] = h
    return out


def fmix64(h: int) -> int:
    """MurmurHash3's 64-bit finalizer on a Python int."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    return h ^ (h >> 33)


def _rotl27(h: int) -> int:
    return ((h << 27) | (h >> 37)) & MASK64


def shingle_hash(units: Sequence[str]) -> int:
    """The 64-bit hash of one shingle, given its normalized units (scalar definition)."""
    h = (SEED ^ (len(units) * P1)) & MASK64
    for u in units:
        h = (_rotl27(h ^ ((unit_hash(u) * P2) & MASK64)) * P1 + P4) & MASK64
    return fmix64(h)


def minhash_input(units: Sequence[str]) -> int:
    """The 32-bit value MinHash sees for a shingle: the top half of its 64-bit hash.

    Use it as datasketch's ``hashfunc`` (``MinHash(hashfunc=minhash_input, scheme="affine32")``,
    updated with tuples of normalized words) to get our signatures from datasketch itself.
    """
    return shingle_hash(units) >> 32


def _fmix64_np(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def shingle_hashes(units: np.ndarray, n: int) -> np.ndarray:
    """uint64 hashes of every n-unit window of ``units`` (numpy reference).

    ``len(units) < n`` gives one shingle of all units, and no units give no shingles.
    """
    if n < 1:
        raise ConfigError(f"shingle size {n} must be at least 1; try 5")
    units = np.asarray(units, dtype=np.uint64)
    k = min(n, len(units))
    if k == 0:
        return np.empty(0, dtype=np.uint64)
    count = len(units) - k + 1
    with np.errstate(over="ignore"):
        h = np.full(count, (SEED ^ (k * P1)) & MASK64, dtype=np.uint64)
        for j in range(k):
            h = h ^ (units[j : j + count] * _U64(P2))
            h = ((h << _U64(27)) | (h >> _U64(37))) * _U64(P1) + _U64(P4)
        return _fmix64_np(h)
