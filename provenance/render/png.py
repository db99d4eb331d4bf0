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
    # An absolute scale: 0 is white-ish, 1 darkest, whatever the largest value is, so a 1.4%
    # overlap never looks like a copy. Zero (nothing shared) is left white, the diagonal grey.
    shown = np.ma.masked_where(values <= 0, values)
    shown[np.eye(n, dtype=bool)] = np.ma.masked
    cmap = matplotlib.colormaps["viridis_r"].with_extremes(bad="white")
    ax.imshow(np.where(np.eye(n, dtype=bool), 1.0, np.nan), cmap="Greys", vmin=0, vmax=2.5,
              interpolation="nearest")
    image = ax.imshow(shown, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_title(f"{measure} of shingle sets, {n} documents (white: nothing shared)")
    if n <= LABELS_UP_TO:
        labels = [analysis.documents[i].id for i in order]
        ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
        ax.set_yticks(range(n), labels, fontsize=7)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.set_label(f"{measure}: absolute 0-1 scale (viridis, reversed)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
