"""An order of the documents that puts similar ones next to each other (for a heat map)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from provenance.similarity.pairs import SimilarityMatrix

__all__ = ["document_order"]


def document_order(ids: Sequence[str], matrix: SimilarityMatrix | None = None,
                   clusters: Sequence[Sequence[str]] = ()) -> list[int]:
    """Indices into ``ids``, similar documents next to each other: the leaves of an
    average-linkage tree over ``1 - Jaccard`` when the full matrix is known (optimally ordered
    up to 300 documents), else the members of each near-duplicate cluster together, then the
    rest in their order."""
    n = len(ids)
    if n <= 2:
        return list(range(n))
    if matrix is not None:
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform

        distance = 1.0 - matrix.jaccard()
        np.fill_diagonal(distance, 0.0)
        distance = np.clip((distance + distance.T) / 2, 0.0, 1.0)
        return [int(i) for i in leaves_list(linkage(squareform(distance, checks=False),
                                                    method="average", optimal_ordering=n <= 300))]
    index = {d: i for i, d in enumerate(ids)}
    seen: list[int] = []
    for group in clusters:
        seen.extend(index[x] for x in group)
    placed = set(seen)
    return seen + [i for i in range(n) if i not in placed]
