"""Stage 5, passages: two documents -> the passages they share, with spans on both sides.

Enters: documents (and their sentences). Leaves: :class:`Passage` records: character spans in
both texts, a score, a kind (verbatim, near_verbatim, rewritten) and any shared quotation.
"""

from provenance.passages.finder import (
    KINDS,
    Aligner,
    Passage,
    PassageOptions,
    align,
    find_passages,
    sentence_score,
)

__all__ = ["KINDS", "Aligner", "Passage", "PassageOptions", "align", "find_passages",
           "sentence_score"]
