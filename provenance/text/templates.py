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
from functools import lru_cache
from operator import itemgetter
from urllib.parse import urlsplit

import xxhash

from provenance.options import TemplateOptions
from provenance.text.lexicon import STOPWORDS, content_terms, stem
from provenance.text.sentences import Sentence, normalize_token, tokenize

__all__ = [
    "FORMULA_KEYS",
    "Template",
    "TemplateCounts",
    "TemplateOptions",
    "Templates",
    "clutter_features",
    "clutter_lines",
    "document_features",
    "features",
    "formula_keys",
    "learn_templates",
    "mark_clutter",
    "shape",
    "site_boilerplate",
    "site_clutter",
    "site_of",
    "templates_from_rows",
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
        if _DIGIT.search(tok) or low in NUMBER_WORDS:
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
    while prose, whose shape is mostly frame words, is not -- or it is a **formula** of the
    genre: at least ``formula_min_hits`` of its frame-term keys (:func:`formula_keys`) are
    learned formulas -- or a line of :attr:`clutter`. ``templates`` lists the learned shapes,
    most used first; ``formulas`` the learned formula keys."""

    options: TemplateOptions = field(default_factory=TemplateOptions)
    shapes: dict[str, Template] = field(default_factory=dict)
    trigrams: frozenset[tuple[str, str, str]] = frozenset()
    frame_terms: frozenset[str] = frozenset()
    formulas: dict[str, Template] = field(default_factory=dict)
    formula_lines: bool = False
    """Whether a formula sentence is a template line (matched with another template line, it
    makes no passage whatever else the two share); by default a formula's terms are only frame
    words, so two sentences of the formula that also share names or figures still match."""
    clutter: frozenset[str] = frozenset()
    """Lines (lower case, single spaces) that are some site's clutter (an index's counts;
    a scan marks them boilerplate instead)."""

    def is_frame(self, term: str) -> bool:
        """Whether a content term (a stem, as :func:`provenance.text.lexicon.sentence_terms`
        gives it) is a frame word of the corpus's template lines or formulas, or a number."""
        return (term in self.frame_terms or term in _NUMBER_STEMS
                or term.isdigit())

    def is_template(self, text: str) -> bool:
        if self.clutter and " ".join(text.lower().split()) in self.clutter:
            return True
        if self.formula_lines and self.formulas and self.is_formula(text):
            return True
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

    def is_formula(self, text: str) -> bool:
        """Whether ``text`` is a formula of the genre written as a sentence (see
        :func:`formula_keys`)."""
        if not self.formulas:
            return False
        keys, _ = formula_keys(text, self.options)
        return sum(k in self.formulas for k in keys) >= self.options.formula_min_hits

    @property
    def templates(self) -> list[Template]:
        return sorted(self.shapes.values(), key=lambda t: (-t.documents, t.shape))

    @property
    def formula_list(self) -> list[Template]:
        """The learned formula keys (``shape`` is the key: its hash number and two frame
        terms), most used first."""
        return sorted(self.formulas.values(), key=lambda t: (-t.documents, t.shape))

    def __len__(self) -> int:
        return len(self.shapes)


def _trigrams(tokens: list[str]) -> list[tuple[str, str, str]]:
    padded = ["<", *tokens, ">"]
    return [(padded[i], padded[i + 1], padded[i + 2]) for i in range(len(padded) - 2)]


FORMULA_KEYS = 8
"""Keys a sentence's frame terms get (each its :data:`FORMULA_TERMS` terms first under one
hash function: a sample of the pairs of terms it uses together)."""
FORMULA_TERMS = 2
FORMULA_MAX_WORDS = 80
"""A longer sentence (an unsplit block, a list) gets no formula keys, and no shape either."""
_DIGIT = re.compile(r"\d")


def formula_keys(text: str, options: TemplateOptions | None = None
                 ) -> tuple[list[str], str | None]:
    """``(keys, filling)`` of a sentence as a possible formula of the genre.

    Its *frame terms* are the stems of its lower-case words that are neither stop words nor
    numbers (a capitalized first word is left out: it may be a name); its *filling* is its
    figures and names (capitalized words after the first), as one string. A sentence with at
    least ``formula_min_terms`` frame terms and some filling gets :data:`FORMULA_KEYS` keys,
    key ``i`` being ``"i:a:b"`` with ``a``, ``b`` its two frame terms ranked first by hash
    function ``i`` -- a consistent sample of the pairs of terms it uses together. Two sentences
    whose frame-term sets have Jaccard J share a given key with probability about J squared, so
    reworded and reordered frames ("The issue is listed in Luxembourg and available in
    denominations of 5,000 dlrs" / "The bond is available in denominations of 1,000 dlrs and
    will be listed in London") share keys; a sentence is a formula only when
    ``formula_min_hits`` of its keys (by default half) are pairs that many documents use
    together with different fillings, so a collocation ("last year") alone does not make one.
    Without keys: ``([], None)``."""
    options = options or TemplateOptions()
    frame: set[str] = set()
    filling: set[str] = set()
    # the words passages weigh (``tokenize``: "non-callable" is "non" and "callable"), so a
    # formula's frame terms are the terms a match of its sentences shares
    raw = _written_words(text)
    if len(raw) > FORMULA_MAX_WORDS:
        return [], None
    for i, word in enumerate(raw):
        low = normalize_token(word)
        if _DIGIT.search(low) or low in NUMBER_WORDS:
            filling.add(low)
        elif word[0].isupper():
            if i > 0:
                filling.add(low)
        elif low not in STOPWORDS and len(low) > 2:
            frame.add(stem(low))
    if len(frame) < options.formula_min_terms or not filling:
        return [], None
    ranked = [_ranks(t) for t in frame]
    keys = []
    for i in range(FORMULA_KEYS):
        first = sorted((r[i], r[-1]) for r in ranked)[:FORMULA_TERMS]
        keys.append(":".join([str(i), *(t for _, t in first)]))
    return keys, " ".join(sorted(filling))


_MASK = (1 << 64) - 1
_MIXES = tuple((0x9E3779B97F4A7C15 * (2 * i + 1)) & _MASK | 1 for i in range(FORMULA_KEYS))
"""One odd multiplier a key: hash ``i`` of a term is its xxh64 times ``_MIXES[i]`` (mod 2^64),
folded -- eight orders of the terms from one hash each."""


@lru_cache(maxsize=200_000)
def _ranks(term: str) -> tuple:
    """The term's rank under each of the :data:`FORMULA_KEYS` hash functions, then the term."""
    h = xxhash.xxh64_intdigest(term.encode("utf-8", "surrogatepass"))
    return (*(((h * mix) & _MASK) ^ (h >> 29) for mix in _MIXES), term)


def _written_words(text: str) -> list[str]:
    """The words of ``text`` as :func:`provenance.text.sentences.tokenize` cuts them, in their
    own case."""
    return [text[t.start:t.end] for t in tokenize(text)] if not text.isascii() else \
        _ASCII_WORD.findall(text)


_ASCII_WORD = re.compile(r"\w+(?:'\w+)*")
"""``tokenize``'s words in ASCII text (tested equal to it), without building offsets."""


Feature = tuple[str | None, str | None]
"""A feature of a document: ``(parent, example)`` under its key (see :func:`features`)."""


def features(sents: Iterable[Sentence], options: TemplateOptions | None = None
             ) -> dict[str, Feature]:
    """What one document tells about the corpus's templates, as keys it holds (once each):

    - ``s|SHAPE``: it uses a shape; ``n|SHAPE``: it uses a shape with its capitalized first
      word masked ("N beat N # at home");
    - ``g|A B C``: a run of three shape tokens of a short line dense in slots;
    - ``x|KEY``: a formula key of one of its sentences (:func:`formula_keys`);
    - ``v|...``: a *variant* of one of those (a filling of a shape, the first word of a
      name-first shape, the figures and names around a formula key), whose parent is that key.

    Each maps to ``(parent, example)``: a variant's parent key, and the smallest sentence
    giving the key (for shapes and formulas). :class:`TemplateCounts` adds these up over
    documents -- in a scan, or in an index as documents come and go -- and
    :meth:`TemplateCounts.templates` makes :class:`Templates` of them."""
    options = options or TemplateOptions()
    out: dict[str, Feature] = {}

    def put(key: str, example: str | None) -> None:
        old = out.get(key)
        if old is None or (example is not None and (old[1] is None or example < old[1])):
            out[key] = (None, example)

    for s in sents:
        if s.boilerplate:
            continue
        flat = " ".join(s.text.split())
        if s.end - s.start > 12 * FORMULA_MAX_WORDS and len(flat.split()) > FORMULA_MAX_WORDS:
            continue  # an unsplit block: no shape or formula recurs in it
        key, frame = shape(s.text)
        tokens = key.split()
        if frame >= options.min_frame and len(tokens) != frame:
            if (len(tokens) <= options.max_line_tokens
                    and len(tokens) - frame >= options.min_slot_share * len(tokens)):
                for g in _trigrams(tokens):
                    put("g|" + " ".join(g), None)
            put("s|" + key, flat)
            out[f"v|s|{key}|{flat.lower()}"] = ("s|" + key, None)
            named = _name_first(key, s.text)
            if named is not None and frame - 1 >= options.min_frame:
                put("n|" + named, flat)
                first = s.text.split(None, 1)[0].lower()
                out[f"v|n|{named}|{first}"] = ("n|" + named, None)
        keys, filling = formula_keys(s.text, options)
        for k in keys:
            put("x|" + k, flat)
            out[f"v|x|{k}|{filling}"] = ("x|" + k, None)
    return out


@dataclass
class TemplateCounts:
    """Features (:func:`features`) added up over documents: ``documents[key]`` how many hold
    each, ``variants[key]`` how many different variants of it are held, ``examples[key]`` the
    smallest example seen. :meth:`add` with ``sign=-1`` takes a document away again (its
    example stays: it is still an example of the shape)."""

    documents: dict[str, int] = field(default_factory=dict)
    variants: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, found: Mapping[str, Feature], sign: int = 1) -> None:
        for key, (parent, example) in found.items():
            n = self.documents.get(key, 0) + sign
            if n > 0:
                self.documents[key] = n
            else:
                self.documents.pop(key, None)
            if parent is not None and ((sign > 0 and n == 1) or (sign < 0 and n == 0)):
                v = self.variants.get(parent, 0) + sign
                if v > 0:
                    self.variants[parent] = v
                else:
                    self.variants.pop(parent, None)
            if example is not None and sign > 0:
                old = self.examples.get(key)
                if old is None or example < old:
                    self.examples[key] = example

    def rows(self, min_documents: int = 1) -> list[tuple[str, int, int, str | None]]:
        """``(key, documents, variants, example)`` of the keys that are not variants, held by
        at least ``min_documents`` documents, sorted by key."""
        return sorted((k, n, self.variants.get(k, 0), self.examples.get(k))
                      for k, n in self.documents.items()
                      if n >= min_documents and not k.startswith("v|"))

    def templates(self, options: TemplateOptions | None = None) -> Templates:
        return templates_from_rows(self.rows(), options)


def templates_from_rows(rows: Iterable[tuple[str, int, int, str | None]],
                        options: TemplateOptions | None = None) -> Templates:
    """The :class:`Templates` of counted features (:meth:`TemplateCounts.rows`, or the rows an
    index keeps): a shape used by ``min_documents`` documents with ``min_variants`` fillings
    (a name-first shape: ``min_variants`` different first words), the trigrams of
    ``min_documents`` documents, formula keys of ``formula_min_documents`` documents with
    ``formula_min_variants`` different fillings, a site's line on ``site_min_pages`` of its
    pages (:func:`clutter_features`). Rows of fewer documents may be left out."""
    options = options or TemplateOptions()
    shapes: dict[str, Template] = {}
    grams: set[tuple[str, str, str]] = set()
    formulas: dict[str, Template] = {}
    clutter: set[str] = set()
    for key, docs, variants, example in rows:
        kind, text = key[:2], key[2:]
        if kind in ("s|", "n|"):
            if docs >= options.min_documents and variants >= options.min_variants:
                old = shapes.get(text)
                if old is None or docs > old.documents:
                    shapes[text] = Template(text, docs, example or "")
        elif kind == "g|":
            if docs >= options.min_documents:
                a, b, c = text.split(" ")
                grams.add((a, b, c))
        elif (kind == "x|" and docs >= options.formula_min_documents
              and variants >= options.formula_min_variants):
            formulas[text] = Template(text, docs, example or "")
        elif kind == "c|" and docs >= options.site_min_pages:
            clutter.add(text.partition(_SITE_END)[2])
    trigrams = frozenset(grams)
    frame = frozenset(stem(w) for key in shapes for w in key.split() if w not in ("#", "N"))
    frame |= frozenset(stem(w) for g in trigrams for w in g if w not in ("#", "N", "<", ">"))
    # a formula's terms are frame words too: a match sharing only them (and figures) shares
    # nothing but the genre, even across a window that takes in a neighbouring sentence
    frame |= frozenset(t for key in formulas for t in key.split(":")[1:])
    # and so are a clutter line's words (a window taking in the line shares nothing else)
    frame |= frozenset(content_terms(w.lower() for line in clutter for w in _WORD.findall(line)))
    return Templates(options, shapes, trigrams if shapes else frozenset(), frame, formulas,
                     clutter=frozenset(clutter))


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
    by_group: dict[int, dict[str, Feature]] = {}
    for i, sents in enumerate(sentences_by_doc):
        group = groups[i] if groups is not None else i
        found = features(sents, options)
        held = by_group.get(group)
        if held is None:
            by_group[group] = found
            continue
        for key, (parent, example) in found.items():
            old = held.get(key)
            if old is None or (example is not None and (old[1] is None or example < old[1])):
                held[key] = (parent, example)
    counts = TemplateCounts()
    for found in by_group.values():
        counts.add(found)
    return counts.templates(options)


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
    documents without one are left as they are. :func:`site_clutter` then
    :func:`mark_clutter` on each document.
    """
    options = options or TemplateOptions()
    lines = [clutter_lines(site, text, sents, options)
             for site, text, sents in zip(sites, texts, sentences_by_doc, strict=True)]
    clutter = _clutter_of(sites, lines, options)
    return [_marked(site, sents, keys, clutter)
            for site, sents, keys in zip(sites, sentences_by_doc, lines, strict=True)]


def clutter_lines(site: str | None, text: str, sents: Sequence[Sentence],
                  options: TemplateOptions | None = None) -> list[str | None]:
    """Each sentence's candidate clutter line (its words, lower-cased, one space apart) when it
    is all of its line, has at most ``site_max_words`` words and is not boilerplate already;
    None for the others, and for every sentence of a page without a site."""
    if site is None:
        return [None] * len(sents)
    options = options or TemplateOptions()
    out: list[str | None] = []
    for s in sents:
        key = None
        if not s.boilerplate and _own_line(text, s):
            words = s.text.lower().split()
            if 0 < len(words) <= options.site_max_words:
                key = " ".join(words)
        out.append(key)
    return out


def site_clutter(sites: Sequence[str | None], texts: Sequence[str],
                 sentences_by_doc: Sequence[Sequence[Sentence]],
                 options: TemplateOptions | None = None) -> frozenset[tuple[str, str]]:
    """``(site, line)`` of every clutter line (:func:`clutter_lines`) found on at least
    ``site_min_pages`` pages of its site."""
    options = options or TemplateOptions()
    return _clutter_of(sites, [clutter_lines(site, text, sents, options) for site, text, sents
                               in zip(sites, texts, sentences_by_doc, strict=True)], options)


def mark_clutter(site: str | None, text: str, sents: Sequence[Sentence],
                 clutter: frozenset[tuple[str, str]] | set,
                 options: TemplateOptions | None = None) -> tuple[Sentence, ...]:
    """``sents`` with the site's clutter lines (``clutter``: :func:`site_clutter`'s) marked
    boilerplate."""
    if site is None or not clutter:
        return tuple(sents)
    return _marked(site, sents, clutter_lines(site, text, sents, options), clutter)


def _clutter_of(sites, lines, options: TemplateOptions) -> frozenset[tuple[str, str]]:
    pages: dict[tuple[str, str], set[int]] = {}
    for i, (site, keys) in enumerate(zip(sites, lines, strict=True)):
        for key in keys:
            if key is not None:
                pages.setdefault((site, key), set()).add(i)
    return frozenset(k for k, docs in pages.items() if len(docs) >= options.site_min_pages)


def _marked(site, sents, keys, clutter) -> tuple[Sentence, ...]:
    if site is None or not clutter:
        return tuple(sents)
    return tuple(replace(s, boilerplate=True) if k is not None and (site, k) in clutter else s
                 for s, k in zip(sents, keys, strict=True))


_SITE_END = "\x1f"


def clutter_features(site: str | None, text: str, sents: Sequence[Sentence],
                     options: TemplateOptions | None = None) -> dict[str, Feature]:
    """A page's candidate clutter lines as features (``c|SITE<US>line``), for counting site
    clutter as documents come and go (an index): its sentences that are all of their line and
    have at most ``site_max_words`` words, as :func:`site_boilerplate` reads them. None
    without a site."""
    return {f"c|{site}{_SITE_END}{key}": (None, None)
            for key in clutter_lines(site, text, sents, options) if key is not None}


def _own_line(text: str, s: Sentence) -> bool:
    """Whether ``s`` is all of its line (bullets and punctuation aside)."""
    begin = text.rfind("\n", 0, s.start) + 1
    end = text.find("\n", s.end)
    end = len(text) if end < 0 else end
    return not any(c.isalnum() for c in text[begin:s.start] + text[s.end:end])


# --- the index's path: the same features, fewer Python steps -------------------------------------

_BY_HASH = tuple(itemgetter(i, FORMULA_KEYS) for i in range(FORMULA_KEYS))
"""Sort keys of :func:`_ranks` tuples: hash ``i`` of a term, then the term (as
:func:`formula_keys` sorts them)."""


_SHAPE_WORDS: dict[str, tuple[int, str]] = {}
"""A word's part in :func:`shape`: ``(0, "")`` a figure, ``(1, lower)`` capitalized (a name,
but for a single first word), ``(2, lower)`` a frame word."""
_FORMULA_WORDS: dict[str, tuple[int, str]] = {}
"""A word's part in :func:`formula_keys`: ``(0, low)`` a figure, ``(1, low)`` capitalized
(filling after the first word), ``(2, stem)`` a frame term, ``(3, "")`` neither."""
_WORDS_KEPT = 400_000


def _shape_word(tok: str) -> tuple[int, str]:
    low = tok.lower()
    if _DIGIT.search(tok) or low in NUMBER_WORDS:
        part = (0, "")
    else:
        part = (1, low) if tok[0].isupper() else (2, low)
    if len(_SHAPE_WORDS) >= _WORDS_KEPT:
        _SHAPE_WORDS.clear()
    _SHAPE_WORDS[tok] = part
    return part


def _formula_word(word: str) -> tuple[int, str]:
    low = normalize_token(word)
    if _DIGIT.search(low) or low in NUMBER_WORDS:
        part = (0, low)
    elif word[0].isupper():
        part = (1, low)
    elif low not in STOPWORDS and len(low) > 2:
        part = (2, stem(low))
    else:
        part = (3, "")
    if len(_FORMULA_WORDS) >= _WORDS_KEPT:
        _FORMULA_WORDS.clear()
    _FORMULA_WORDS[word] = part
    return part


def _quick_shape(text: str) -> tuple[str, int]:
    """:func:`shape`, each word's part looked up (:data:`_SHAPE_WORDS`)."""
    tokens = _WORD.findall(text)
    get = _SHAPE_WORDS.get
    out: list[str] = []
    frame = 0
    for i, tok in enumerate(tokens):
        kind, low = get(tok) or _shape_word(tok)
        if kind == 2 or (kind == 1 and i == 0 and (len(tokens) < 2 or not tokens[1][0].isupper())):
            out.append(low)
            frame += 1
            continue
        slot = "#" if kind == 0 else "N"
        if not out or out[-1] != slot:
            out.append(slot)
    return " ".join(out), frame


def _quick_formula_keys(text: str, min_terms: int) -> tuple[list[str], str | None]:
    """:func:`formula_keys` (``min_terms`` its ``formula_min_terms``), each word's part looked
    up (:data:`_FORMULA_WORDS`) and each hash's two first terms found by one sort with a C key
    function."""
    raw = _written_words(text)
    if len(raw) > FORMULA_MAX_WORDS:
        return [], None
    get = _FORMULA_WORDS.get
    frame: set[str] = set()
    filling: set[str] = set()
    for i, word in enumerate(raw):
        kind, value = get(word) or _formula_word(word)
        if kind == 2:
            frame.add(value)
        elif kind == 0 or (kind == 1 and i):  # a capitalized first word may be no name
            filling.add(value)
    if len(frame) < min_terms or not filling:
        return [], None
    ranked = [_ranks(t) for t in frame]
    keys = []
    for i, by in enumerate(_BY_HASH):
        first = sorted(ranked, key=by)
        keys.append(f"{i}:{first[0][-1]}:{first[1][-1]}")
    return keys, " ".join(sorted(filling))


def document_features(text: str, site: str | None, sents: Sequence[Sentence],
                      options: TemplateOptions | None = None) -> dict[str, Feature]:
    """What one document adds to an index's template counts: ``features(sents, options)``
    updated with ``clutter_features(site, text, sents, options)`` -- the same dict (held equal
    to them by ``tests/test_templates.py``), made in one pass with fewer Python steps (an index
    computes it for every document it adds)."""
    options = options or TemplateOptions()
    out: dict[str, Feature] = {}
    min_frame, max_tokens = options.min_frame, options.max_line_tokens
    slot_share, min_terms = options.min_slot_share, options.formula_min_terms
    site_words = options.site_max_words if site is not None else 0
    for s in sents:
        if s.boilerplate:
            continue
        words = s.text.split(None, FORMULA_MAX_WORDS + 1)  # all, or enough to count
        n = len(words)
        if site_words and 0 < n <= site_words and _own_line(text, s):
            out[f"c|{site}{_SITE_END}{' '.join(s.text.lower().split())}"] = (None, None)
        if s.end - s.start > 12 * FORMULA_MAX_WORDS and n > FORMULA_MAX_WORDS:
            continue  # an unsplit block: no shape or formula recurs in it
        flat = " ".join(words if n <= FORMULA_MAX_WORDS + 1 else s.text.split())
        key, frame = _quick_shape(s.text)
        tokens = key.split()
        if frame >= min_frame and len(tokens) != frame:
            if len(tokens) <= max_tokens and len(tokens) - frame >= slot_share * len(tokens):
                for g in _trigrams(tokens):
                    out.setdefault("g|" + " ".join(g), (None, None))
            _put(out, "s|" + key, flat)
            out[f"v|s|{key}|{flat.lower()}"] = ("s|" + key, None)
            named = _name_first(key, s.text)
            if named is not None and frame - 1 >= min_frame:
                _put(out, "n|" + named, flat)
                out[f"v|n|{named}|{s.text.split(None, 1)[0].lower()}"] = ("n|" + named, None)
        keys, filling = _quick_formula_keys(s.text, min_terms)
        for k in keys:
            _put(out, "x|" + k, flat)
            out[f"v|x|{k}|{filling}"] = ("x|" + k, None)
    return out


def _put(out: dict[str, Feature], key: str, example: str) -> None:
    old = out.get(key)
    if old is None or old[1] is None or example < old[1]:
        out[key] = (None, example)
