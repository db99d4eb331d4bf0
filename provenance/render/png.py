"""A static heat map of the similarity matrix as PNG (matplotlib, an optional extra)."""

from __future__ import annotations

import os

import numpy as np

from provenance.errors import ConfigError
from provenance.scan import Analysis
from provenance.similarity.order import document_order

__all__ = ["matrix_png"]

LABELS_UP_TO = 60
"""Rows and columns are labelled with document ids up to this many documents."""


def matrix_png(analysis: Analysis, path: str | os.PathLike, measure: str = "jaccard") -> None:
    """Write the similarity matrix of ``analysis`` as a PNG heat map, similar documents next to
    each other. Raises :class:`ConfigError` when matplotlib is missing or there is no matrix."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ConfigError("a PNG needs matplotlib: pip install 'news-provenance[plot]'") from exc
    if analysis.matrix is None:
        raise ConfigError(f"{len(analysis.documents)} documents is more than the matrix limit "
                          f"{analysis.config.matrix_limit}; raise --matrix-limit")
    order = document_order([d.id for d in analysis.documents], analysis.matrix,
                           analysis.clusters)
    values = analysis.matrix.values(measure)[np.ix_(order, order)]
    n = len(order)
    size = min(14.0, max(5.0, 0.25 * n + 3))
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    off = values[~np.eye(n, dtype=bool)] if n > 1 else values.ravel()
    top = max(float(off.max()) if off.size else 0.0, 0.01)
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=top, interpolation="nearest")
    ax.set_title(f"{measure} of shingle sets ({n} documents; colour scale to {top:.3f})")
    if n <= LABELS_UP_TO:
        labels = [analysis.documents[i].id for i in order]
        ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
        ax.set_yticks(range(n), labels, fontsize=7)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
