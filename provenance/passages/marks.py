"""Which words of a passage to mark, and what a mark means: one rule for every renderer.

A reader comparing two versions of a passage wants the words that tell them apart:

- **verbatim and near-verbatim passages** (one text copied, perhaps lightly edited): the
  *edits* are marked -- the words of ``a`` that ``b`` dropped or replaced (``removed``) and
  the words ``b`` put in their place or added (``added``), from the same word-level alignment
  (difflib over normalized words) that decided the passage's kind. A verbatim passage has no
  edits, so nothing is marked.
- **rewritten passages** (the same claim in other words): the *shared* content words are
  marked (``shared``): words, not stop words, whose stem the other side also uses -- what
  survived the rewrite.

Renderers (the terminal ``compare``, the HTML page) draw these spans and never tokenize, stem or
score themselves. Spans are character offsets into each document's text; runs of marked words
separated only by spaces or punctuation are joined into one span.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from provenance.passages.finder import Passage, PassageOptions
from provenance.text.lexicon import STOPWORDS, stem
from provenance.text.sentences import Token, tokenize

__all__ = ["MEANINGS", "Mark", "PassageMarks", "passage_marks", "span_marks"]

MEANINGS = ("removed", "added", "shared")
"""``removed``: words of ``a`` that ``b`` dropped or replaced; ``added``: words ``b`` has in
their place or in addition; ``shared``: content words of a rewrite both sides use."""


@dataclass(frozen=True, slots=True)
class Mark:
    """``text[start:end]`` of one side is marked, meaning one of :data:`MEANINGS`."""

    start: int
    end: int
    meaning: str

    def to_list(self, offset: int = 0) -> list:
        """``[start - offset, end - offset, meaning]`` (compact, for JSON)."""
        return [self.start - offset, self.end - offset, self.meaning]


@dataclass(frozen=True, slots=True)
class PassageMarks:
    """The marks of one passage: ``rule`` is ``edits`` (verbatim, near-verbatim) or ``shared``
    (rewritten); ``a`` and ``b`` the marks on each side, in text order, offsets into each
    document's text."""

    rule: str
    a: tuple[Mark, ...]
    b: tuple[Mark, ...]

    def to_dict(self, relative_to: Passage | None = None) -> dict:
        """JSON form; with ``relative_to``, offsets count from the passage's start on each
        side (``a_text[start:end]``)."""
        oa = relative_to.a_start if relative_to is not None else 0
        ob = relative_to.b_start if relative_to is not None else 0
        return {"rule": self.rule, "a": [m.to_list(oa) for m in self.a],
                "b": [m.to_list(ob) for m in self.b]}


def _runs(tokens: list[Token], chosen: set[int], meaning: str, offset: int) -> list[Mark]:
    """Consecutive chosen tokens joined into one mark each."""
    out: list[Mark] = []
    k = 0
    while k < len(tokens):
        if k in chosen:
            first = k
            while k + 1 < len(tokens) and k + 1 in chosen:
                k += 1
            out.append(Mark(tokens[first].start + offset, tokens[k].end + offset, meaning))
        k += 1
    return out


def _edits(ta: list[Token], tb: list[Token]) -> tuple[set[int], set[int]]:
    matcher = SequenceMatcher(None, [t.norm for t in ta], [t.norm for t in tb], autojunk=False)
    only_a, only_b = set(range(len(ta))), set(range(len(tb)))
    for block in matcher.get_matching_blocks():
        only_a.difference_update(range(block.a, block.a + block.size))
        only_b.difference_update(range(block.b, block.b + block.size))
    return only_a, only_b


def _shared(ta: list[Token], tb: list[Token]) -> tuple[set[int], set[int]]:
    def content(tokens):
        return {i: stem(t.norm) for i, t in enumerate(tokens)
                if t.norm not in STOPWORDS and not (len(t.norm) == 1 and t.norm.isalpha())}

    ca, cb = content(ta), content(tb)
    both = set(ca.values()) & set(cb.values())
    return ({i for i, s in ca.items() if s in both}, {i for i, s in cb.items() if s in both})


def passage_marks(passage: Passage) -> PassageMarks:
    """The words to mark on both sides of ``passage`` (see the module's docstring).

    Uses the passage's own texts (``a_text``, ``b_text``, which are the documents'
    ``text[start:end]``); the marks' offsets point into the documents' texts.
    """
    ta, tb = tokenize(passage.a_text), tokenize(passage.b_text)
    if passage.kind == "rewritten":
        rule = "shared"
        on_a, on_b = _shared(ta, tb)
        marks_a = _runs(ta, on_a, "shared", passage.a_start)
        marks_b = _runs(tb, on_b, "shared", passage.b_start)
    else:
        rule = "edits"
        on_a, on_b = _edits(ta, tb)
        marks_a = _runs(ta, on_a, "removed", passage.a_start)
        marks_b = _runs(tb, on_b, "added", passage.b_start)
    return PassageMarks(rule, tuple(marks_a), tuple(marks_b))


def span_marks(text_a: str, a_start: int, a_end: int, text_b: str, b_start: int, b_end: int,
               near_verbatim: float | None = None) -> PassageMarks:
    """The marks between two spans that are not a :class:`Passage` yet (two members of a
    family): their kind is decided as :func:`provenance.passages.align` decides a passage's
    (the same words: verbatim; a word-level similarity of ``near_verbatim``, default
    :class:`PassageOptions`' 0.8: near-verbatim; else rewritten), then :func:`passage_marks`."""
    limit = PassageOptions().near_verbatim if near_verbatim is None else near_verbatim
    na = [t.norm for t in tokenize(text_a, a_start, a_end)]
    nb = [t.norm for t in tokenize(text_b, b_start, b_end)]
    if na == nb:
        kind = "verbatim"
    elif SequenceMatcher(None, na, nb, autojunk=False).ratio() >= limit:
        kind = "near_verbatim"
    else:
        kind = "rewritten"
    passage = Passage("a", "b", a_start, a_end, b_start, b_end, text_a[a_start:a_end],
                      text_b[b_start:b_end], 0.0, kind, False, None)
    return passage_marks(passage)
