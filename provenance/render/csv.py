"""Results as CSV for spreadsheets and other tools. Every function returns a string.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) are prefixed with a single quote, as OWASP recommends against CSV
injection; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: 'provenance dedup' needs neither
    from provenance.scan import Analysis
    from provenance.similarity.pairs import SimilarityMatrix

__all__ = ["PAIR_COLUMNS", "PASSAGE_COLUMNS", "decisions_csv", "matrix_csv", "pairs_csv",
           "passages_csv", "safe_cell"]

PAIR_COLUMNS = ("a", "b", "jaccard", "jaccard_estimate", "containment_a_in_b",
                "containment_b_in_a")
PASSAGE_COLUMNS = ("a", "b", "kind", "score", "quoted", "quote", "a_start", "a_end", "b_start",
                   "b_end", "a_text", "b_text")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as written to a CSV cell: text that a spreadsheet would take for a formula
    gets a leading ``'``; None is an empty cell; numbers and booleans are left alone."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def pairs_csv(analysis: Analysis) -> str:
    """One row per listed pair, most similar first."""
    return _table(PAIR_COLUMNS, ([p.to_dict()[c] for c in PAIR_COLUMNS] for p in analysis.pairs))


def matrix_csv(matrix: SimilarityMatrix, measure: str = "jaccard") -> str:
    """The matrix as CSV: a header row of ids, then one row per document."""
    return _table(["id", *map(safe_cell, matrix.ids)],
                  ([doc_id, *(f"{v:.6f}" for v in row)]
                   for doc_id, row in zip(matrix.ids, matrix.values(measure), strict=True)))


def passages_csv(passages) -> str:
    """One row per passage, all fields, texts whole."""
    return _table(PASSAGE_COLUMNS, ([p.to_dict()[c] for c in PASSAGE_COLUMNS] for p in passages))


def decisions_csv(decisions) -> str:
    """Dedup decisions as CSV (``near_clusters`` joined by ``|``)."""
    return _table(("id", "keep", "cluster", "representative", "similarity", "shingles",
                   "near_clusters", "path"),
                  ((d.id, "true" if d.keep else "false", d.cluster, d.cluster,
                    f"{d.similarity:.4f}", d.shingles, "|".join(d.near_clusters), d.path)
                   for d in decisions))
