"""Verified document similarity: exact Jaccard and containment over shingle sets, the matrix,
and near-duplicate clusters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from provenance.errors import ConfigError

__all__ = ["Pair", "SimilarityMatrix", "clusters", "exact_matrix", "intersection_size"]


@dataclass(frozen=True, slots=True)
class Pair:
    """Two documents (``a < b``) and how much of their shingle sets they share.

    ``jaccard`` = |A ∩ B| / |A ∪ B|, exact over the shingle-hash sets; ``jaccard_estimate`` is
    the MinHash estimate; ``containment_a_in_b`` = |A ∩ B| / |A| (how much of a reappears in b).
    """

    a: str
    b: str
    jaccard: float
    jaccard_estimate: float
    containment_a_in_b: float
    containment_b_in_a: float

    @property
    def score(self) -> float:
        return max(self.jaccard, self.containment_a_in_b, self.containment_b_in_a)

    def to_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "jaccard": round(self.jaccard, 6),
            "jaccard_estimate": round(self.jaccard_estimate, 6),
            "containment_a_in_b": round(self.containment_a_in_b, 6),
            "containment_b_in_a": round(self.containment_b_in_a, 6),
        }


def intersection_size(a: np.ndarray, b: np.ndarray) -> int:
    """|a ∩ b| for two sorted arrays of unique values."""
    return len(np.intersect1d(a, b, assume_unique=True))


@dataclass(frozen=True)
class SimilarityMatrix:
    """Exact shingle-set overlap of every document pair, in ``ids`` order."""

    ids: tuple[str, ...]
    sizes: np.ndarray  # |A| per document
    intersections: np.ndarray  # |A ∩ B|, symmetric, diagonal = sizes

    def jaccard(self) -> np.ndarray:
        union = self.sizes[:, None] + self.sizes[None, :] - self.intersections
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(union > 0, self.intersections / np.maximum(union, 1), 0.0)
        np.fill_diagonal(out, np.where(self.sizes > 0, 1.0, 0.0))
        return out

    def containment(self) -> np.ndarray:
        """``[i, j]`` = share of document i's shingles found in document j."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.sizes[:, None] > 0,
                            self.intersections / np.maximum(self.sizes[:, None], 1), 0.0)

    def values(self, measure: str = "jaccard") -> np.ndarray:
        if measure == "jaccard":
            return self.jaccard()
        if measure == "containment":
            return self.containment()
        raise ConfigError(f"measure {measure!r} is not 'jaccard' or 'containment'")


def exact_matrix(ids: tuple[str, ...], sets: list[np.ndarray]) -> SimilarityMatrix:
    """All-pairs intersections of sorted unique shingle sets, as a sparse product (scipy)."""
    from scipy import sparse

    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    if sizes.sum() == 0:
        return SimilarityMatrix(ids, sizes, np.zeros((len(ids), len(ids)), dtype=np.int64))
    flat = np.concatenate(sets)
    _, columns = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), sizes)
    incidence = sparse.csr_matrix(
        (np.ones(len(flat), dtype=np.int32), (rows, columns)),
        shape=(len(sets), int(columns.max()) + 1),
    )
    inter = (incidence @ incidence.T).toarray().astype(np.int64)
    return SimilarityMatrix(ids, sizes, inter)


def clusters(ids: list[str], pairs: list[Pair], threshold: float) -> list[list[str]]:
    """Connected groups of documents linked by pairs with ``jaccard >= threshold``.

    Linking is transitive: A~B and B~C put A, B, C in one cluster even when A and C fall below
    the threshold. Clusters have at least two members, ids sorted, clusters sorted by first id.
    """
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        if p.jaccard >= threshold:
            ra, rb = find(p.a), find(p.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)
