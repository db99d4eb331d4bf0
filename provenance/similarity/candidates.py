"""Candidate pairs by LSH banding, done in batch: hash each band, sort, pair equal keys.

For a folder scan this replaces one dict insert per document per band (datasketch's
``MinHashLSH``) with a sort per band. datasketch's LSH stays the tool for an incremental index;
our signatures work there too (see ``signatures.to_lean_minhash``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from provenance.signatures import EMPTY
from provenance.signatures.hashing import P1, P2

__all__ = ["band_keys", "candidate_pairs", "colliding_pairs", "lsh_params"]

_P1, _P2 = np.uint64(P1), np.uint64(P2)


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, false_positive_weight: float = 0.5,
               false_negative_weight: float = 0.5) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` (``b * r <= num_perm``) minimizing the weighted areas of false
    positives below ``threshold`` and false negatives above it (datasketch's rule; its default
    weights are equal)."""
    s = np.linspace(0.0, 1.0, 1001)
    below, above = s <= threshold, s >= threshold
    best, best_err = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s**r) ** b
            err = (false_positive_weight * np.trapezoid(p[below], s[below])
                   + false_negative_weight * np.trapezoid(1.0 - p[above], s[above]))
            if err < best_err - 1e-12:
                best, best_err = (b, r), err
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """uint64 key per (document, band): a mix of the band's ``rows`` signature values."""
    n = signatures.shape[0]
    keys = np.zeros((n, bands), dtype=np.uint64)
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        for j in range(rows):
            keys = (keys ^ sig[:, :, j]) * _P1
            keys ^= keys >> np.uint64(29)
        keys = keys * _P2 + np.arange(bands, dtype=np.uint64)
    return keys


def colliding_pairs(keys: np.ndarray, owners: np.ndarray, n: int,
                    max_group: int | None = None, star_above: int | None = None) -> np.ndarray:
    """Sorted unique ``(i, j)`` rows, ``i < j``, of owners that share a key.

    ``owners[k]`` (in ``0..n-1``) holds ``keys[k]``; one sort groups equal keys. A key held by
    more than ``max_group`` owners is skipped (too common to be evidence); one held by more than
    ``star_above`` owners pairs each of them with the lowest owner only (a star, not all pairs).
    No Python loop over the groups: groups of two (nearly all of them) pair directly, bigger
    ones by index arithmetic over their distinct owners (a loop over 6,700 groups had taken a
    fifth of dedup's pairing of 50,000 documents).
    """
    if len(keys) == 0:
        return np.empty((0, 2), dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    keep = (sizes > 1) if max_group is None else (sizes > 1) & (sizes <= max_group)
    twos = starts[keep & (sizes == 2)]
    first, second = owners[order[twos]], owners[order[twos + 1]]
    lo, hi = np.minimum(first, second), np.maximum(first, second)
    found = [(lo * n + hi)[lo != hi]]
    big = keep & (sizes > 2)
    if big.any():  # bigger groups, also without a Python loop: their distinct owners, sorted
        group_starts, group_sizes = starts[big], sizes[big]
        group = np.repeat(np.arange(len(group_starts)), group_sizes)
        members = owners[order[np.repeat(group_starts, group_sizes) + _ranges(group_sizes)]]
        by = np.lexsort((members, group))
        group, members = group[by], members[by]
        repeat = np.r_[False, (group[1:] == group[:-1]) & (members[1:] == members[:-1])]
        group, members = group[~repeat], members[~repeat]
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        count = np.diff(np.r_[first, len(group)])
        star = (count > star_above) if star_above is not None else np.zeros(len(count), bool)
        # a star: the group's lowest owner with each of the others
        rest = np.repeat(first[star], count[star] - 1) + 1 + _ranges(count[star] - 1)
        found.append(np.repeat(members[first[star]], count[star] - 1) * n + members[rest])
        # otherwise every pair: element e with each later element of its group
        full_first, full_count = first[~star], count[~star]
        elem = np.repeat(full_first, full_count) + _ranges(full_count)
        later = np.repeat(full_first + full_count, full_count) - elem - 1
        left = np.repeat(elem, later)
        right = left + 1 + _ranges(later)
        found.append(members[left] * n + members[right])
    codes = np.unique(np.concatenate(found))
    return np.stack([codes // n, codes % n], axis=1)


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """``0..lengths[0]-1, 0..lengths[1]-1, ...`` concatenated."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Sorted unique ``(i, j)`` rows, ``i < j``, of documents sharing a band key.

    Empty documents (all-``EMPTY`` signatures) are never candidates.
    """
    live = np.flatnonzero(~(signatures == EMPTY).all(axis=1))
    if len(live) < 2:
        return np.empty((0, 2), dtype=np.int64)
    keys = band_keys(signatures[live], bands, rows)  # keys of different bands differ
    return colliding_pairs(keys.ravel(), np.repeat(live, bands), signatures.shape[0])
