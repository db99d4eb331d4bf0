"""Render an :class:`Analysis` as text: a terminal report, JSON, CSV, and the matrix.

Every function returns a string; writing it anywhere is the caller's business.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from tabulate import tabulate

from .pipeline import Analysis
from .similarity import SimilarityMatrix

__all__ = [
    "MATRIX_TABLE_LIMIT",
    "matrix_csv",
    "matrix_json",
    "matrix_table",
    "pairs_csv",
    "table_report",
    "to_json",
]

MATRIX_TABLE_LIMIT = 12
"""The terminal report shows the matrix up to this many documents."""

PAIR_COLUMNS = ("a", "b", "jaccard", "jaccard_estimate", "containment_a_in_b",
                "containment_b_in_a")


def to_json(analysis: Analysis) -> str:
    """The scan as JSON (the contract in ``Analysis.to_dict``), byte-stable."""
    return json.dumps(analysis.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def pairs_csv(analysis: Analysis) -> str:
    """One row per listed pair, most similar first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAIR_COLUMNS)
    for p in analysis.pairs:
        d = p.to_dict()
        writer.writerow([d[c] for c in PAIR_COLUMNS])
    return out.getvalue()


def table_report(analysis: Analysis, top: int = 20) -> str:
    """A readable terminal report: documents, top pairs, clusters, the matrix when small."""
    cfg = analysis.config
    docs = analysis.documents
    parts = [
        f"provenance scan: {len(docs)} documents, shingles {cfg.shingle}, "
        f"{cfg.num_perm} permutations, near-duplicate threshold {cfg.threshold:g}",
        "",
        "Documents",
        tabulate(
            [
                (d.id, d.outlet or "", f"{len(d.text):,}", len(s), n)
                for d, s, n in zip(docs, analysis.sentences, analysis.shingle_counts,
                                   strict=True)
            ],
            headers=("id", "outlet", "chars", "sentences", "shingles"),
            colalign=("left", "left", "right", "right", "right"),
        ),
        "",
    ]
    shown = analysis.pairs[:top]
    title = f"Most similar pairs (top {len(shown)} of {len(analysis.pairs)})"
    if shown:
        parts += [
            title,
            tabulate(
                [(p.a, p.b, p.jaccard, p.jaccard_estimate, p.containment_a_in_b,
                  p.containment_b_in_a) for p in shown],
                headers=("a", "b", "jaccard", "estimate", "a in b", "b in a"),
                floatfmt=".3f",
            ),
        ]
    else:
        parts.append(f"No pair shares a shingle at a score of {cfg.min_score:g} or more.")
    parts.append("")
    if analysis.clusters:
        parts.append(f"Near-duplicate clusters (Jaccard >= {cfg.threshold:g})")
        parts.append(tabulate([(i + 1, len(c), ", ".join(c)) for i, c in
                               enumerate(analysis.clusters)],
                              headers=("cluster", "size", "documents")))
    else:
        parts.append(f"No near-duplicate clusters at Jaccard >= {cfg.threshold:g}.")
    if analysis.matrix is not None and len(docs) <= MATRIX_TABLE_LIMIT:
        parts += ["", "Jaccard matrix", matrix_table(analysis.matrix)]
    if analysis.skipped:
        parts += ["", f"Skipped {len(analysis.skipped)} inputs",
                  tabulate([(s.path, s.reason) for s in analysis.skipped],
                           headers=("path", "reason"))]
    return "\n".join(parts) + "\n"


def matrix_table(matrix: SimilarityMatrix, measure: str = "jaccard") -> str:
    """The matrix with numbered columns (``#1`` ...) and rows labelled ``#1 id``."""
    values = matrix.values(measure)
    rows = [[f"#{i + 1} {doc_id}", *row] for i, (doc_id, row) in
            enumerate(zip(matrix.ids, values, strict=True))]
    headers = ["", *[f"#{i + 1}" for i in range(len(matrix.ids))]]
    return tabulate(rows, headers=headers, floatfmt=".3f")


def matrix_csv(matrix: SimilarityMatrix, measure: str = "jaccard") -> str:
    """The matrix as CSV: a header row of ids, then one row per document."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *matrix.ids])
    for doc_id, row in zip(matrix.ids, matrix.values(measure), strict=True):
        writer.writerow([doc_id, *(f"{v:.6f}" for v in row)])
    return out.getvalue()


def matrix_json(matrix: SimilarityMatrix, measure: str = "jaccard") -> str:
    """``{"ids": [...], "measure": ..., "values": [[...], ...]}``, rounded to 6 places."""
    values = np.round(matrix.values(measure), 6).tolist()
    return json.dumps({"ids": list(matrix.ids), "measure": measure, "values": values},
                      sort_keys=True, ensure_ascii=False) + "\n"
