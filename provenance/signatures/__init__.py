"""The benchmarked core: unit hashes -> shingle hashes -> MinHash signatures, for a batch.

Two entry points:

- :func:`sign` from unit hashes (the scan path, which tokenizes in Python to keep offsets and
  leave boilerplate out);
- :func:`sign_bytes` / :func:`sign_texts` / :func:`sign_packed` straight from the documents'
  bytes (the dedup and index path): UTF-8 decoding, words, xxh64, shingles and signatures in one
  compiled pass.

:func:`shingle_sets` and :func:`set_jaccard` give the exact sets behind a signature and their
Jaccard similarity (dedup verifies its candidate pairs with them).

``engine="numpy"`` runs the plain reference one document at a time; ``engine="numba"`` runs the
compiled kernels over the whole batch on all cores; ``"auto"`` takes numba for batches big
enough to repay its start-up (:data:`KERNEL_MIN_UNITS` units, :data:`KERNEL_MIN_BYTES` bytes),
and numpy below. Both give identical values (tests/test_core.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from provenance.errors import ConfigError
from provenance.options import ENGINES, check_engine
from provenance.signatures.hashing import (
    char_unit_hashes,
    minhash_input,
    shingle_hash,
    shingle_hashes,
    unit_hash,
    word_unit_hashes,
)
from provenance.signatures.minhash import (
    EMPTY,
    SCHEME,
    estimate_jaccard,
    permutations,
    signature_reference,
    to_lean_minhash,
)
from provenance.signatures.text_bytes import (
    SENTENCE_MIX,
    pack,
    prepare,
    sentence_keys_reference,
    stop_hashes,
    unit_hashes_reference,
    word_table,
)

__all__ = [
    "EMPTY",
    "ENGINES",
    "KERNEL_MIN_BYTES",
    "KERNEL_MIN_UNITS",
    "SCHEME",
    "SignedBatch",
    "char_unit_hashes",
    "estimate_jaccard",
    "minhash_input",
    "permutations",
    "shingle_hash",
    "shingle_hashes",
    "prepare",
    "sign",
    "set_jaccard",
    "shingle_sets",
    "sign_bytes",
    "sign_packed",
    "sign_texts",
    "sentence_keys",
    "signature_reference",
    "kernels_cached",
    "to_lean_minhash",
    "unit_hash",
    "warm_up",
    "word_unit_hashes",
]

KERNEL_MIN_UNITS = 200_000
KERNEL_MIN_BYTES = 1_000_000


@dataclass(frozen=True)
class SignedBatch:
    """Shingle hashes and signatures of a batch of documents, in contiguous arrays.

    Document ``d`` owns ``hashes[offsets[d]:offsets[d+1]]`` (in text order, repeats kept) and
    ``signatures[d]``.
    """

    hashes: np.ndarray
    offsets: np.ndarray
    signatures: np.ndarray

    def shingles(self, d: int) -> np.ndarray:
        return self.hashes[self.offsets[d] : self.offsets[d + 1]]


def sign(
    units: Sequence[np.ndarray], n: int, num_perm: int = 128, seed: int = 1,
    engine: str = "auto",
) -> SignedBatch:
    """Shingle and sign a batch: ``units[d]`` is document d's uint64 unit hashes."""
    check_engine(engine)
    total = sum(len(u) for u in units)
    if engine == "numba" or (engine == "auto" and total >= KERNEL_MIN_UNITS):
        from provenance.signatures.kernel import batch_shingle_hashes, batch_signatures

        flat = np.concatenate(units) if units else np.empty(0, dtype=np.uint64)
        unit_offsets = np.zeros(len(units) + 1, dtype=np.int64)
        np.cumsum([len(u) for u in units], out=unit_offsets[1:])
        hashes, offsets = batch_shingle_hashes(flat, unit_offsets, n)
        return SignedBatch(hashes, offsets, batch_signatures(hashes, offsets,
                                                             *permutations(num_perm, seed)))
    per_doc = [shingle_hashes(u, n) for u in units]
    offsets = np.zeros(len(units) + 1, dtype=np.int64)
    np.cumsum([len(h) for h in per_doc], out=offsets[1:])
    hashes = np.concatenate(per_doc) if per_doc else np.empty(0, dtype=np.uint64)
    signatures = np.empty((len(units), num_perm), dtype=np.uint32)
    for d, h in enumerate(per_doc):
        signatures[d] = signature_reference(h, num_perm, seed)
    return SignedBatch(hashes, offsets, signatures)


def sign_bytes(
    chunks: Sequence[bytes], n: int = 5, num_perm: int = 128, seed: int = 1,
    engine: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Signatures (uint32, one row per document) and shingle counts of documents given as
    prepared bytes (:func:`prepare`). A document without words has no shingles and the empty
    signature (all :data:`EMPTY`)."""
    check_engine(engine)
    if n < 1:
        raise ConfigError(f"shingle size {n} must be at least 1; try 5")
    a, b = permutations(num_perm, seed)
    total = sum(len(c) for c in chunks)
    if engine == "numba" or (engine == "auto" and total >= KERNEL_MIN_BYTES):
        from provenance.signatures.kernel import batch_sign_bytes

        buf, offsets = pack(list(chunks))
        return batch_sign_bytes(buf, offsets, word_table(), n, a, b)
    signatures = np.empty((len(chunks), num_perm), dtype=np.uint32)
    counts = np.empty(len(chunks), dtype=np.int64)
    for d, data in enumerate(chunks):
        shingles = shingle_hashes(unit_hashes_reference(data), n)
        signatures[d] = signature_reference(shingles, num_perm, seed)
        counts[d] = len(shingles)
    return signatures, counts


def sign_packed(
    buf: np.ndarray, offsets: np.ndarray, n: int = 5, num_perm: int = 128, seed: int = 1,
    engine: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sign_bytes` of documents already packed into one buffer (``text_bytes.pack``):
    document d is ``buf[offsets[d]:offsets[d+1]]``."""
    check_engine(engine)
    if n < 1:
        raise ConfigError(f"shingle size {n} must be at least 1; try 5")
    if engine == "numba" or (engine == "auto" and int(offsets[-1] - offsets[0])
                             >= KERNEL_MIN_BYTES):
        from provenance.signatures.kernel import batch_sign_bytes

        return batch_sign_bytes(buf, offsets, word_table(), n, *permutations(num_perm, seed))
    data = np.asarray(buf, dtype=np.uint8)
    return sign_bytes([data[offsets[d] : offsets[d + 1]].tobytes()
                       for d in range(len(offsets) - 1)], n, num_perm, seed, "numpy")


def shingle_sets(
    buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int = 5, engine: str = "auto",
    bounds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact shingle sets of prepared documents ``buf[starts[d]:ends[d]]``: each one's
    distinct 64-bit shingle hashes (the values its signature is the MinHash of), sorted, as
    ``(hashes, offsets, sizes)`` -- document d owns ``hashes[offsets[d]:offsets[d] +
    sizes[d]]``. ``bounds``: at least each document's shingle count (sizes the output)."""
    check_engine(engine)
    if n < 1:
        raise ConfigError(f"shingle size {n} must be at least 1; try 5")
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if engine == "numba" or (engine == "auto" and int((ends - starts).sum()) >= KERNEL_MIN_BYTES):
        from provenance.signatures.kernel import batch_shingle_sets

        return batch_shingle_sets(buf, starts, ends, word_table(), n, bounds)
    data = np.asarray(buf, dtype=np.uint8)
    sets = [np.unique(shingle_hashes(unit_hashes_reference(data[s:e].tobytes()), n))
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    sizes = np.array([len(x) for x in sets], dtype=np.int64)
    offsets = np.zeros(len(sets), dtype=np.int64)
    if len(sets) > 1:
        np.cumsum(sizes[:-1], out=offsets[1:])
    hashes = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint64)
    return hashes.astype(np.uint64, copy=False), offsets, sizes


def set_jaccard(
    hashes: np.ndarray, offsets: np.ndarray, sizes: np.ndarray, left: np.ndarray,
    right: np.ndarray, engine: str = "auto",
) -> np.ndarray:
    """Exact Jaccard of the shingle sets ``left[p]`` and ``right[p]`` (indices into the output
    of :func:`shingle_sets`); 0.0 for two empty sets."""
    check_engine(engine)
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    if engine == "numba" or (engine == "auto" and int(np.asarray(sizes)[left].sum()
                                                      + np.asarray(sizes)[right].sum())
                             >= KERNEL_MIN_UNITS):
        from provenance.signatures.kernel import pair_jaccard

        return pair_jaccard(hashes, offsets, sizes, left, right)
    out = np.zeros(len(left), dtype=np.float64)
    for p, (a, b) in enumerate(zip(np.asarray(left).tolist(), np.asarray(right).tolist(),
                                   strict=True)):
        x = hashes[offsets[a] : offsets[a] + sizes[a]]
        y = hashes[offsets[b] : offsets[b] + sizes[b]]
        union = len(np.union1d(x, y))
        out[p] = len(np.intersect1d(x, y, assume_unique=True)) / union if union else 0.0
    return out


def sign_texts(
    texts: Sequence[str], n: int = 5, num_perm: int = 128, seed: int = 1, engine: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sign_bytes` of ``[prepare(t) for t in texts]``."""
    return sign_bytes([prepare(t) for t in texts], n, num_perm, seed, engine)


def kernels_cached(road: str | None = None) -> bool:
    """Whether the compiled kernels are ready to load from numba's on-disk cache (or loaded):
    ``False`` means the first compiled call will stall to compile them (once per machine:
    about 10 s of CPU for a road's kernels, 25 s for all) -- a front end can say so, then call
    :func:`warm_up`. ``road``: ``"scan"``, ``"dedup"`` or ``"index"`` (their kernels only), a
    kernel's name, or None for all. Imports numba (~0.5 s); compiles nothing."""
    from provenance.signatures.kernel import kernels_cached as cached

    return cached(road)


def warm_up(road: str | None = None) -> int:
    """Load the compiled kernels of ``road`` (as for :func:`kernels_cached`) now, compiling them
    when not cached, so no later call stalls; returns how many were compiled."""
    from provenance.signatures.kernel import warm_up as warm

    return warm(road)


def sentence_keys(chunks: Sequence[bytes], engine: str = "auto") -> list[np.ndarray]:
    """Each prepared document's sentence keys (uint64; see
    ``text_bytes.sentence_keys_reference``): candidates for repeated sentences."""
    check_engine(engine)
    total = sum(len(c) for c in chunks)
    if engine == "numba" or (engine == "auto" and total >= KERNEL_MIN_BYTES):
        from provenance.signatures.kernel import batch_sentence_keys

        buf, offsets = pack(list(chunks))
        return batch_sentence_keys(buf, offsets, word_table(), stop_hashes(), SENTENCE_MIX)
    return [sentence_keys_reference(c) for c in chunks]
