"""Templates of the genre and site clutter, learned from the corpus being analyzed.

A **template** is a sentence shape that many otherwise unrelated documents fill with their own
figures and names: "Shr loss 1.48 dlrs vs loss 36 cts", "Qtly div six cts vs six cts prior",
"Arsenal 2 Chelsea 1 at the Emirates on Saturday", "High 21C, low 12C, light winds". The
*shape* of a sentence keeps its frame and masks its fillers: every number (digits, or a number
word such as "six") becomes ``#``, every capitalized word after the first (a name) becomes
``N``, and a run of one kind of slot collapses into one. A shape is a template when at least
``min_documents`` documents use it -- documents of one near-duplicate group counting once --
with at least ``min_variants`` different fillings, and it has at least ``min_frame`` frame
words. Nothing names Reuters' tables: the same rule finds sports results, weather lines,
market closes or court listings in a corpus made of them.

A template match alone is not evidence that one text repeats another (see
:func:`provenance.passages.finder.find_passages`), but a whole story re-issued still is.

**Site clutter** (:func:`site_boilerplate`): a short line that recurs verbatim on several pages
of one site (outlet, or the URL's host when no outlet is known) is boilerplate for that site --
a share widget, a newsletter box, a standing credit -- even when no rule names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from provenance.options import TemplateOptions
from provenance.text.lexicon import stem
from provenance.text.sentences import Sentence

__all__ = [
    "Template",
    "TemplateOptions",
    "Templates",
    "learn_templates",
    "shape",
    "site_boilerplate",
]

_WORD = re.compile(r"[^\W_]+(?:[’'.,/:-][^\W_]+)*")
NUMBER_WORDS = frozenset(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion half quarter third nil
    """.split()
)
"""English number words, masked like figures ("six cts" and "35 cts" have one shape)."""
_NUMBER_STEMS = frozenset(stem(w) for w in NUMBER_WORDS) | NUMBER_WORDS


@dataclass(frozen=True, slots=True)
class Template:
    """A learned template: its ``shape`` (``#`` a number, ``N`` a name), how many
    ``documents`` use it, and one ``example`` sentence."""

    shape: str
    documents: int
    example: str

    def to_dict(self) -> dict:
        return {"shape": self.shape, "documents": self.documents, "example": self.example}


def shape(text: str) -> tuple[str, int]:
    """``(shape, frame words)`` of a sentence: numbers become ``#``, capitalized words after
    the first become ``N`` (a leading run of capitalized words too, when it is longer than
    one), repeated slots collapse, and the frame is lower-cased. A single capitalized first
    word stays in the frame ("Shr", "Net", "The"); :func:`_name_first` gives the shape with
    it masked too ("Arsenal beat ...")."""
    tokens = _WORD.findall(text)
    out: list[str] = []
    frame = 0
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if any(c.isdigit() for c in tok) or low in NUMBER_WORDS:
            slot = "#"
        elif tok[0].isupper() and (i > 0 or (len(tokens) > 1 and tokens[1][0].isupper())):
            slot = "N"
        else:
            out.append(low)
            frame += 1
            continue
        if not out or out[-1] != slot:
            out.append(slot)
    return " ".join(out), frame


def _name_first(key: str, text: str) -> str | None:
    """``key`` with its first token masked as a name when the sentence starts with a
    capitalized word that :func:`shape` kept in the frame; else None."""
    first = key.split(" ", 1)
    stripped = text.lstrip(" \t\"'“‘([-–—•")
    if len(first) < 2 or first[0] in ("#", "N") or not stripped[:1].isupper():
        return None
    return "N " + first[1] if not first[1].startswith("N") else first[1]


@dataclass
class Templates:
    """The templates learned from one corpus.

    ``is_template(text)`` tells a template sentence: its shape is a learned template, or it is
    a short line dense in slots whose every run of three shape tokens (its start and end
    included) recurs in at least ``min_documents`` documents -- so "Shr loss 4.60 dlrs vs
    profit 14 cts" is a template line even when that exact mix of loss and profit is rare,
    while prose, whose shape is mostly frame words, is not. ``templates`` lists the learned
    shapes, most used first."""

    options: TemplateOptions = field(default_factory=TemplateOptions)
    shapes: dict[str, Template] = field(default_factory=dict)
    trigrams: frozenset[tuple[str, str, str]] = frozenset()
    frame_terms: frozenset[str] = frozenset()

    def is_frame(self, term: str) -> bool:
        """Whether a content term (a stem, as :func:`provenance.text.lexicon.sentence_terms`
        gives it) is a frame word of the corpus's template lines, or a number."""
        return (term in self.frame_terms or term in _NUMBER_STEMS
                or term.isdigit())

    def is_template(self, text: str) -> bool:
        if not self.shapes:
            return False
        key, frame = shape(text)
        if key in self.shapes or _name_first(key, text) in self.shapes:
            return True
        tokens = key.split()
        slots = len(tokens) - frame
        if (frame < self.options.min_frame or len(tokens) > self.options.max_line_tokens
                or slots < self.options.min_slot_share * len(tokens)):
            return False
        return all(g in self.trigrams for g in _trigrams(tokens))

    @property
    def templates(self) -> list[Template]:
        return sorted(self.shapes.values(), key=lambda t: (-t.documents, t.shape))

    def __len__(self) -> int:
        return len(self.shapes)


def _trigrams(tokens: list[str]) -> list[tuple[str, str, str]]:
    padded = ["<", *tokens, ">"]
    return [(padded[i], padded[i + 1], padded[i + 2]) for i in range(len(padded) - 2)]


def learn_templates(
    sentences_by_doc: Sequence[Iterable[Sentence]],
    options: TemplateOptions | None = None,
    groups: Sequence[int] | None = None,
) -> Templates:
    """Learn the templates of a corpus from its sentences (boilerplate left out).

    ``groups[i]`` names document ``i``'s near-duplicate group (its cluster): the documents of
    one group count once, so a story re-issued twenty times does not make its own sentences
    templates. Deterministic: the example is the smallest sentence text of the shape.
    """
    options = options or TemplateOptions()
    owners: dict[str, set[int]] = {}
    fillings: dict[str, set[str]] = {}
    examples: dict[str, str] = {}
    grams: dict[tuple[str, str, str], set[int]] = {}
    firsts: dict[str, set[str]] = {}
    for i, sents in enumerate(sentences_by_doc):
        group = groups[i] if groups is not None else i
        for s in sents:
            if s.boilerplate:
                continue
            key, frame = shape(s.text)
            tokens = key.split()
            if frame < options.min_frame or len(tokens) == frame:
                continue
            if (len(tokens) <= options.max_line_tokens
                    and len(tokens) - frame >= options.min_slot_share * len(tokens)):
                for g in _trigrams(tokens):
                    seen_by = grams.setdefault(g, set())
                    if len(seen_by) < options.min_documents:
                        seen_by.add(group)
            flat = " ".join(s.text.split())
            named = _name_first(key, s.text)
            if named is not None and frame - 1 >= options.min_frame:
                firsts.setdefault(named, set()).add(s.text.split(None, 1)[0].lower())
            for k in (key,) if named is None or frame - 1 < options.min_frame else (key, named):
                owners.setdefault(k, set()).add(group)
                seen = fillings.setdefault(k, set())
                if len(seen) < options.min_variants:
                    seen.add(flat.lower())
                if k not in examples or flat < examples[k]:
                    examples[k] = flat
    shapes = {
        key: Template(key, len(docs), examples[key])
        for key, docs in owners.items()
        if len(docs) >= options.min_documents and len(fillings[key]) >= options.min_variants
    }
    # "Arsenal beat N ..." and "Chelsea beat N ...": the shape with its first word masked is
    # a template only when different first words fill it ("Shr ..." alone is its own shape).
    shapes = {k: t for k, t in shapes.items()
              if k not in firsts or len(firsts[k]) >= options.min_variants}
    trigrams = frozenset(g for g, docs in grams.items() if len(docs) >= options.min_documents)
    frame = frozenset(stem(w) for key in shapes for w in key.split() if w not in ("#", "N"))
    frame |= frozenset(stem(w) for g in trigrams for w in g if w not in ("#", "N", "<", ">"))
    return Templates(options, shapes, trigrams if shapes else frozenset(), frame)


def site_of(outlet: str | None, url: str | None) -> str | None:
    """The site a document belongs to: its outlet, else its URL's host, else None."""
    if outlet:
        return outlet.strip().lower() or None
    if url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.") or None
    return None


def site_boilerplate(
    sites: Sequence[str | None],
    texts: Sequence[str],
    sentences_by_doc: Sequence[Sequence[Sentence]],
    options: TemplateOptions | None = None,
) -> list[tuple[Sentence, ...]]:
    """The sentences again, with a site's recurring short lines marked boilerplate.

    A line on its own (a sentence that fills its line of text) of at most ``site_max_words``
    words, seen verbatim -- case and spacing aside -- on at least ``site_min_pages`` pages of
    one site, is clutter of that site ("Share this article Facebook Twitter Email", "Sign up
    for our Europe newsletter"). ``sites[i]`` is document ``i``'s site (see :func:`site_of`);
    documents without one are left as they are.
    """
    options = options or TemplateOptions()
    pages: dict[tuple[str, str], set[int]] = {}
    keys: list[list[str | None]] = []
    for i, (site, text, sents) in enumerate(zip(sites, texts, sentences_by_doc, strict=True)):
        row: list[str | None] = []
        for s in sents:
            key = None
            if site is not None and not s.boilerplate and _own_line(text, s):
                words = s.text.lower().split()
                if 0 < len(words) <= options.site_max_words:
                    key = " ".join(words)
                    pages.setdefault((site, key), set()).add(i)
            row.append(key)
        keys.append(row)
    clutter = {k for k, docs in pages.items() if len(docs) >= options.site_min_pages}
    out = []
    for site, sents, row in zip(sites, sentences_by_doc, keys, strict=True):
        if site is None or not clutter:
            out.append(tuple(sents))
            continue
        out.append(tuple(replace(s, boilerplate=True) if k is not None and (site, k) in clutter
                         else s for s, k in zip(sents, row, strict=True)))
    return out


def _own_line(text: str, s: Sentence) -> bool:
    """Whether ``s`` is all of its line (bullets and punctuation aside)."""
    begin = text.rfind("\n", 0, s.start) + 1
    end = text.find("\n", s.end)
    end = len(text) if end < 0 else end
    return not any(c.isalnum() for c in text[begin:s.start] + text[s.end:end])


def template_counts(templates: Templates) -> Mapping[str, int]:
    """``{shape: documents}``, for storing beside an index."""
    return {t.shape: t.documents for t in templates.shapes.values()}
