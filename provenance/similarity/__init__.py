"""Stage 4, similarity: signatures and shingle sets -> candidate and verified pairs, clusters.

Enters: MinHash signatures (``signatures``) and exact shingle-hash sets. Leaves: LSH candidate
pairs (``candidates``), :class:`Pair` records with exact Jaccard and containment, the
:class:`SimilarityMatrix`, and near-duplicate clusters (``pairs``).
"""

from provenance.similarity.pairs import (
    Pair,
    SimilarityMatrix,
    clusters,
    exact_matrix,
    intersection_size,
)

__all__ = ["Pair", "SimilarityMatrix", "clusters", "exact_matrix", "intersection_size"]
