"""One set of counts for ``scan``, ``trace`` and ``report``, with the filter that separates
the numbers that could otherwise disagree.

``scan`` lists the document pairs whose Jaccard or a containment reaches ``--min-score``;
passages are found sentence by sentence and can join two documents that share too few shingles
for that list. The report shows both, so its pairs are the scan's plus
``pairs_with_passages_below_min_score``, and every command says so in the same words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI's dedup imports `counted` without the scan
    from provenance.scan import Analysis

__all__ = ["counted", "counts", "counts_line"]


def counts(analysis: Analysis, families: list | None = None) -> dict:
    """``documents``, ``skipped``, ``pairs`` (scan's list), ``min_score``,
    ``pairs_with_passages_below_min_score`` (pairs only a passage joins), ``passages``,
    ``families`` (``families`` when given, else the analysis's own, if it has them) and
    ``edges``."""
    listed = {(p.a, p.b) for p in analysis.pairs} | {(p.b, p.a) for p in analysis.pairs}
    extra = {tuple(sorted((p.a, p.b))) for p in analysis.passages} - listed
    fams = families if families is not None else (getattr(analysis, "families", ()) or ())
    return {"documents": len(analysis.documents), "skipped": len(analysis.skipped),
            "pairs": len(analysis.pairs), "min_score": analysis.config.min_score,
            "pairs_with_passages_below_min_score": len(extra),
            "passages": len(analysis.passages), "families": len(fams),
            "edges": len(analysis.edges)}


def counts_line(analysis: Analysis) -> str:
    """The counts as one sentence, the same in every command's output."""
    c = counts(analysis)
    extra = c["pairs_with_passages_below_min_score"]
    pairs = f"{counted(c['pairs'], 'pair')} at Jaccard or containment >= {c['min_score']:g}"
    if extra:
        pairs += (f" (and {extra:,} more {'pair that shares' if extra == 1 else 'pairs that share'}"
                  " only a passage)")
    return (f"Counts: {counted(c['documents'], 'document')}, {pairs}, "
            f"{counted(c['passages'], 'passage')}, "
            f"{counted(c['families'], 'family', 'families')}, {counted(c['edges'], 'edge')}.")


def counted(count: int, word: str, plural: str | None = None) -> str:
    """``count`` (with thousands separators) and ``word``, in the plural unless ``count`` is
    1: "1 document", "2,000 documents", "3 families" (``plural``)."""
    return f"{count:,} {word if count == 1 else plural or word + 's'}"
