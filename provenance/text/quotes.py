"""Quotation spans: where a text quotes someone, with offsets into the original.

Straight and curly, double and single marks, and mixed pairs (‘ ... ” occurs in real copy) are
all quotation marks. An apostrophe inside a word ("NATO’s", "isn't") is not. A quotation left
open runs to the end of its block (news style for a quotation over several paragraphs: each
paragraph opens again and only the last one closes). Unbalanced marks never raise.
"""

from __future__ import annotations

import re

__all__ = ["quote_spans"]

_OPENERS = "“‘«„‚"
_CLOSERS = "”’»"
_AMBIGUOUS = "\"'"
_MARKS = re.compile("[" + re.escape(_OPENERS + _CLOSERS + _AMBIGUOUS) + "]")


def quote_spans(text: str, blocks: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each quoted stretch, marks excluded, in text order."""
    if blocks is None:
        from provenance.text.sentences import blocks as text_blocks

        blocks = text_blocks(text)
    spans: list[tuple[int, int]] = []
    for block_start, block_end in blocks:
        open_at = None
        for mark in _MARKS.finditer(text, block_start, block_end):  # the marks only
            i = mark.start()
            ch = text[i]
            before = text[i - 1] if i > block_start else " "
            after = text[i + 1] if i + 1 < block_end else " "
            in_word = before.isalnum() and after.isalnum()
            if in_word:
                continue  # an apostrophe: "NATO’s", "isn't"
            if open_at is None:
                if ch in _OPENERS or (ch in _AMBIGUOUS and not before.isalnum()):
                    open_at = i + 1
            elif ch in _CLOSERS or (ch in _AMBIGUOUS and not after.isalnum()):
                _add(text, spans, open_at, i)
                open_at = None
            # an opener inside an open quotation (nested, or repeated) leaves it open
        if open_at is not None:
            _add(text, spans, open_at, block_end)
    return spans


def _add(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    """Record ``text[start:end]`` without surrounding white space, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
