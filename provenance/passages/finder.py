"""Repeated and rewritten passages between documents, with exact spans on both sides.

The unit is the sentence. Each sentence becomes a weighted set of content terms (stems of the
words that are not stop words, weighted by :class:`lexicon.TermWeights`, so stock phrases and
what every article says count for little). Candidate sentence pairs across documents come from
an exact sparse product for small corpora and from band keys over each sentence's rarest terms
for large ones; every candidate is verified with the weighted Dice overlap of its terms, less
a penalty when the two sentences give different numbers. Matches are paired one to one,
adjacent matches (gaps of up to ``gap`` sentences) merge into one passage, and each passage
gets a kind from the word-level alignment of its two sides and a quotation flag from the
quotation marks around the shared words.
"""

from __future__ import annotations

import bisect
import gc
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from provenance.documents import Document
from provenance.errors import ConfigError
from provenance.options import PassageOptions
from provenance.similarity.candidates import colliding_pairs
from provenance.text.lexicon import STOPWORDS, TermWeights, sentence_terms
from provenance.text.quotes import quote_spans
from provenance.text.sentences import Sentence, Token, blocks, sentences, tokenize, words
from provenance.text.templates import Templates

__all__ = [
    "KINDS",
    "Aligner",
    "Passage",
    "PassageOptions",
    "align",
    "find_passages",
    "sentence_score",
]

KINDS = ("verbatim", "near_verbatim", "rewritten")
_NUMBER = re.compile(r"\d")
EXACT_LIMIT = 2_000
"""Up to this many units (sentences and two-sentence windows), every cross-document pair sharing
two terms is scored; above it, candidates are pairs sharing two of their rarest terms (see
_rare_pair_candidates)."""


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of document ``a`` that reappears in document ``b``.

    Offsets are into each document's decoded original text. ``score`` is the weighted term
    overlap of the two sides (0-1); ``kind`` is ``verbatim`` (the same words), ``near_verbatim``
    (word-level similarity of at least 0.8) or ``rewritten``; ``quoted`` says that the shared
    words sit inside quotation marks on both sides, and ``quote`` is that quotation as ``a``
    gives it.
    """

    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    score: float
    kind: str
    quoted: bool
    quote: str | None

    def to_dict(self) -> dict:
        return {
            "a": self.a, "b": self.b,
            "a_start": self.a_start, "a_end": self.a_end,
            "b_start": self.b_start, "b_end": self.b_end,
            "a_text": self.a_text, "b_text": self.b_text,
            "score": round(self.score, 6), "kind": self.kind,
            "quoted": self.quoted, "quote": self.quote,
        }


@dataclass(slots=True)
class _Unit:
    """One sentence, or a window of two consecutive sentences, as evidence."""

    doc: int
    first: int  # index of its first sentence in the document
    last: int  # index of its last sentence (== first for a sentence)
    start: int
    end: int
    terms: dict[str, float]  # content term -> its share of evidence (names share one)
    numbers: frozenset[str]
    weighted: dict[str, float] = field(default_factory=dict)  # term -> share x corpus weight
    total: float = 0.0  # fsum of weighted
    template: bool = False  # a template line of the corpus (see text.templates)


@dataclass(slots=True)
class _Prepared:
    doc: Document
    units: list[_Unit]
    quotes: list[tuple[int, int]]


def _prepare(index: int, doc: Document, sents: Sequence[Sentence] | None,
             windows: bool = True, templates: Templates | None = None) -> _Prepared:
    if sents is None:
        sents = sentences(doc.text, doc.id)
    units = []
    for s in sents:
        if s.boilerplate:
            continue
        terms = sentence_terms(doc.text, tokenize(doc.text, s.start, s.end))
        if terms:
            numbers = frozenset(t for t in terms if _NUMBER.search(t))
            units.append(_Unit(index, s.index, s.index, s.start, s.end, terms, numbers,
                               template=templates is not None
                               and templates.is_template(s.text)))
    if windows:
        # A window of two consecutive sentences matches a sentence that another text split in
        # two (or two that it joined).
        for u, v in zip(units, units[1:], strict=False):
            if v.first == u.last + 1:
                terms = {t: max(u.terms.get(t, 0.0), v.terms.get(t, 0.0))
                         for t in u.terms.keys() | v.terms.keys()}
                units.append(_Unit(index, u.first, v.last, u.start, v.end, terms,
                                   u.numbers | v.numbers, template=u.template and v.template))
    return _Prepared(doc, units, quote_spans(doc.text, blocks(doc.text)))


def sentence_score(
    weighted_a: dict[str, float], weighted_b: dict[str, float],
    numbers_a: frozenset[str] = frozenset(), numbers_b: frozenset[str] = frozenset(),
    number_penalty: float = 0.2,
) -> tuple[float, float]:
    """``(score, shared weight)`` of two sentences given as ``{term: weight}``: the weighted
    Dice overlap, less ``number_penalty`` times the share of numbers that differ when both
    sides give numbers."""
    # fsum: exact, so the result does not depend on set order (which varies per process)
    shared = math.fsum(min(weighted_a[t], weighted_b[t]) for t in weighted_a.keys() & weighted_b)
    total = math.fsum(weighted_a.values()) + math.fsum(weighted_b.values())
    score = 2 * shared / total if total else 0.0
    if numbers_a and numbers_b and numbers_a != numbers_b:
        score -= number_penalty * len(numbers_a ^ numbers_b) / len(numbers_a | numbers_b)
    return max(0.0, score), shared


def _weigh(units: list[_Unit], weights: TermWeights) -> None:
    for u in units:
        u.weighted = {t: weights(t) * f for t, f in u.terms.items()}
        u.total = math.fsum(u.weighted.values())


def align(
    doc_a: Document, doc_b: Document, options: PassageOptions | None = None, *,
    weights: TermWeights | None = None, templates: Templates | None = None,
    whole_copy: bool = False,
) -> list[Passage]:
    """The passages ``doc_a`` shares with ``doc_b``, in ``doc_a``'s order.

    Every sentence pair is scored. Without ``weights`` from a corpus, terms are weighted by how
    many sentences of the two documents use them, so the story's topic words ("China",
    "Russia") count less than the words of one claim ("assault rifles"). With ``templates``
    learned from a corpus (:func:`provenance.text.templates.learn_templates`), template matches
    make no passage unless ``whole_copy`` says the two documents are one story re-issued;
    between such whole copies every run of matches is a passage, whatever its score (the
    ``options.decision`` is for texts that are not copies).
    """
    options = options or PassageOptions()
    if weights is None:
        return Aligner(doc_a, options, templates=templates)(doc_b, whole_copy)
    return _align(_prepare(0, doc_a, None, options.windows, templates), doc_b, options,
                  weights, templates, whole_copy)


class Aligner:
    """``align(doc, other)`` for one document against many: ``doc``'s sentences are segmented
    once (an index query aligns the query with each candidate). ``templates``: as for
    :func:`align`; ``engine``: as for :func:`find_passages`."""

    def __init__(self, doc: Document, options: PassageOptions | None = None, *,
                 templates: Templates | None = None, engine: str = "auto") -> None:
        self.options = options or PassageOptions()
        _check_engine(engine)
        self.templates = templates
        self.engine = engine
        self._doc = doc
        self._sentences = sentences(doc.text, doc.id)
        self._prepared_python: _Prepared | None = None
        self._units = None  # prepare.Units of doc alone, joined to each other document's

    @property
    def _prepared(self) -> _Prepared:
        if self._prepared_python is None:
            self._prepared_python = _prepare(0, self._doc, self._sentences,
                                             self.options.windows, self.templates)
        return self._prepared_python

    def __call__(self, other: Document, whole_copy: bool = False) -> list[Passage]:
        if self.engine == "python":
            return _align(self._prepared, other, self.options, None, self.templates,
                          whole_copy)
        from provenance.passages.prepare import prepare_units

        units_b = prepare_units([other.text], [sentences(other.text, other.id)],
                                self.options.windows, by_string=False)
        if self._units is None or self._units.epoch != units_b.epoch:
            self._units = prepare_units([self._doc.text], [self._sentences],
                                        self.options.windows, by_string=False)
        return _align_compiled(self._doc, self._units, other, self.options, self.templates,
                               whole_copy, units_b)


def _align_compiled(doc_a: Document, units_a, doc_b: Document, options: PassageOptions,
                    templates: Templates | None = None, whole_copy: bool = False,
                    units_b=None) -> list[Passage]:
    """:func:`_align` on the compiled road: the same passages. ``units_a`` are ``doc_a``'s
    units prepared alone (``prepare.prepare_units``), joined here to ``doc_b``'s (``units_b``,
    prepared alike, or prepared here). Every sum over a unit's terms is exact (``fsum``), so
    term ids ranked by process-wide numbers rather than strings change no score."""
    from provenance.passages import kernel
    from provenance.passages.prepare import join_units, prepare_units

    texts = [doc_a.text, doc_b.text]
    if units_b is None:
        units_b = prepare_units([doc_b.text], [sentences(doc_b.text, doc_b.id)],
                                options.windows, by_string=units_a.numbers is None)
    units = join_units(units_a, units_b, 1)
    if len(units) == 0:
        return []
    # sentence frequencies: each sentence unit counts as a document of its own (term_weights
    # asks the weights only of_frequency: no table of the terms is needed)
    df = units.document_frequencies(units.sentences, by_unit=True)
    term_weight = units.term_weights(TermWeights.from_frequencies({}, units.sentences), df)
    weighted = term_weight[units.terms] * units.shares
    totals = kernel.fsum_rows(weighted, units.offsets)
    side_a = np.flatnonzero(units.doc == 0)
    side_b = np.flatnonzero(units.doc == 1)
    pairs = np.stack([np.repeat(side_a, len(side_b)), np.tile(side_b, len(side_a))], axis=1)
    ua, ub, score, shared = kernel.verify_pairs(
        pairs, units.doc, np.arange(2), units.offsets, units.terms, weighted, totals,
        units.is_number, options.threshold, options.min_shared, options.number_penalty,
        need_shared=1)
    if len(ua) == 0:
        return []
    road = _Road(units, weighted, totals, texts, templates)
    matches = _by_pair(road, ua, ub, score, shared).get((0, 1), [])
    if templates is not None and not whole_copy:
        matches = [m for m in matches if not _template_match(m, templates, options)]
    return _passages(_LazyQuotes(doc_a, []), _LazyQuotes(doc_b, []), matches,
                     _whole(options) if whole_copy else options)


def _align(pa: _Prepared, doc_b: Document, options: PassageOptions,
           weights: TermWeights | None, templates: Templates | None = None,
           whole_copy: bool = False) -> list[Passage]:
    pb = _prepare(1, doc_b, None, options.windows, templates)
    if weights is None:  # sentence frequencies (windows would count each sentence twice)
        weights = TermWeights(u.terms for u in pa.units + pb.units if u.first == u.last)
    _weigh(pa.units + pb.units, weights)  # pa's weights are rewritten for each pair
    matches = []
    for ua in pa.units:
        for ub in pb.units:
            if ua.terms.keys() & ub.terms.keys():
                matches.extend(_verify(ua, ub, options))
    if templates is not None and not whole_copy:
        matches = [m for m in matches if not _template_match(m, templates, options)]
    return _passages(pa, pb, matches, _whole(options) if whole_copy else options)


def find_passages(
    documents: Sequence[Document],
    options: PassageOptions | None = None,
    *,
    sentences_by_doc: Sequence[Sequence[Sentence]] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    templates: Templates | None = None,
    whole_copies: Iterable[tuple[str, str]] = (),
    set_aside: list[Passage] | None = None,
    engine: str = "auto",
) -> list[Passage]:
    """Passages shared by any two of ``documents`` (ids unique), ``a < b`` by id, sorted by
    ``(a, b, a_start, b_start)``. ``sentences_by_doc`` reuses sentences already computed.

    With ``templates`` learned from the corpus, a match of two template lines, or of two
    sentences sharing only template frame words and numbers, is a formula of the genre, not
    evidence: it makes no passage -- except between two documents listed in ``whole_copies``
    (id pairs of stories re-issued whole, Jaccard >= 0.8), which are one story copied. The
    passages those matches would have made are appended to ``set_aside`` when it is given.
    A whole copy is a copy however formulaic: its matches are not dropped as loose template
    matches, its runs need not reach ``options.decision``, and a pair the corpus-wide
    candidate search passed over (every sentence common to hundreds of documents, as in
    dividend notices) is aligned on its own (:class:`Aligner`, ``whole_copy=True``).

    ``engine="numba"`` (and ``"auto"``) prepares, weighs, pairs and scores the units in
    compiled kernels over arrays (:mod:`provenance.passages.prepare`); ``"python"`` is the
    plain reference road, sentence by sentence. Both give the same passages (tested)."""
    options = options or PassageOptions()
    _check_engine(engine)
    with _no_cycle_collection():
        return _find_passages(documents, options, sentences_by_doc,
                              progress or (lambda phase, done, total: None), engine,
                              templates, whole_copies, set_aside)


@contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while the road builds its many small records (none of
    them in a cycle, so reference counting still frees them): with it running, every few
    thousand new objects made it walk every live object of the corpus -- half the time of
    grouping all Reuters' 280,000 matches (1.24 vs 0.57 s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _find_passages(documents, options, sentences_by_doc, report, engine, templates,
                   whole_copies, set_aside) -> list[Passage]:
    if sentences_by_doc is None:
        sentences_by_doc = [sentences(d.text, d.id) for d in documents]
    if engine == "python":
        prepared = [_prepare(i, d, sentences_by_doc[i], options.windows, templates)
                    for i, d in enumerate(documents)]
        by_pair = _scored_matches_reference(documents, prepared, options, report)
    else:
        by_pair = _scored_matches(documents, sentences_by_doc, options, report, templates)
        prepared = _PreparedByDoc(documents)
    whole_copies = {frozenset(p) for p in whole_copies}
    found = _decide(documents, prepared, by_pair, options, templates, whole_copies, set_aside)
    return _with_whole_copies(documents, found, options, templates, whole_copies, engine)


def _with_whole_copies(documents, found: list[Passage], options: PassageOptions, templates,
                       whole: set[frozenset[str]], engine: str) -> list[Passage]:
    """``found`` and the passages of each whole copy left without any: its sentences are
    common to so many documents that their candidate keys were dropped as too common
    (Reuters' dividend notices "Qtly div 10 cts vs 10 cts prior / Pay April 30 / Record April
    21", re-issued 24 minutes later)."""
    have = {frozenset((p.a, p.b)) for p in found}
    by_id = {d.id: d for d in documents}
    extra = []
    for pair in sorted(whole - have, key=sorted):
        a, b = sorted(pair)
        if a != b and a in by_id and b in by_id:
            extra += Aligner(by_id[a], options, templates=templates, engine=engine)(
                by_id[b], whole_copy=True)
    return sorted(found + extra, key=lambda p: (p.a, p.b, p.a_start, p.b_start)) if extra \
        else found


def _whole(options: PassageOptions) -> PassageOptions:
    """The options for a whole copy (Jaccard >= 0.8): every run is a passage, whatever its
    score -- a re-issue of a whole story is still a copy."""
    return replace(options, decision=0.0)


def _check_engine(engine: str) -> None:
    if engine not in ("auto", "numba", "python"):
        raise ConfigError(f"passage engine {engine!r} is not one of auto, numba, python; "
                          "try auto")


def _decide(documents: Sequence[Document], prepared, by_pair: dict, options: PassageOptions,
            templates: Templates | None = None, whole_copies: Iterable[tuple[str, str]] = (),
            set_aside: list[Passage] | None = None) -> list[Passage]:
    """Scores -> passages: the decision rules over the matches of each pair of documents
    (``by_pair[(doc_a, doc_b)]`` lists ``(score, shared, unit_a, unit_b)``)."""
    whole = {frozenset(p) for p in whole_copies}
    by_pair = _drop_templates(by_pair, options, whole, documents)
    aside: dict[tuple[int, int], list] = {}
    if templates is not None:
        by_pair, aside = _set_aside(by_pair, templates, whole, documents, options)
    out: list[Passage] = []
    for (da, db), matches in by_pair.items():
        copy = whole and frozenset((documents[da].id, documents[db].id)) in whole
        out.extend(_passages(prepared[da], prepared[db], matches,
                             _whole(options) if copy else options))
    if set_aside is not None:
        for (da, db), matches in sorted(aside.items()):
            set_aside.extend(_passages(prepared[da], prepared[db], matches, options))
    return sorted(out, key=lambda p: (p.a, p.b, p.a_start, p.b_start))


def _template_match(m: tuple, templates: Templates, options: PassageOptions) -> bool:
    """Both sides template lines, or too little shared evidence once the template frame words
    and numbers are taken out ("Year Shr loss 13 cts vs profit 52 cts" ~ "Year Shr loss 6.52
    dlrs vs profit 3.87 dlrs" shares "year" beyond the frame)."""
    _, _, ua, ub = m
    if ua.template and ub.template:
        return True
    wa, wb = ua.weighted, ub.weighted
    rest = math.fsum(min(wa[t], wb[t]) for t in wa.keys() & wb.keys()
                     if not templates.is_frame(t))
    return rest < options.min_shared


def _set_aside(by_pair: dict, templates: Templates, whole: set[frozenset[str]],
               documents: Sequence[Document], options: PassageOptions) -> tuple[dict, dict]:
    """``by_pair`` split into the matches kept and the template matches set aside."""
    kept: dict[tuple[int, int], list] = {}
    aside: dict[tuple[int, int], list] = {}
    for key, matches in by_pair.items():
        if frozenset((documents[key[0]].id, documents[key[1]].id)) in whole:
            kept[key] = matches
            continue
        for m in matches:
            side = aside if _template_match(m, templates, options) else kept
            side.setdefault(key, []).append(m)
    return kept, aside


class _PreparedByDoc:
    """``prepared[d]`` for the decisions of the compiled road: the document, and its quotation
    spans when a passage first asks for them."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self._documents = documents
        self._made: dict[int, _Prepared] = {}

    def __getitem__(self, d: int) -> _Prepared:
        p = self._made.get(d)
        if p is None:
            p = self._made[d] = _LazyQuotes(self._documents[d], [])
        return p


_ACTIVE_MARK = re.compile(r"(?<![^\W_])[“‘«„‚”’»\"']|[“‘«„‚”’»\"'](?![^\W_])")
"""A quotation mark without a letter or digit on both sides: a text without one has no
quotation (``quotes.quote_spans`` skips a mark inside a word: "NATO’s")."""


class _LazyQuotes(_Prepared):
    __slots__ = ("_quotes",)

    def __init__(self, doc: Document, units: list) -> None:
        self.doc, self.units, self._quotes = doc, units, None

    @property
    def quotes(self) -> list[tuple[int, int]]:
        if self._quotes is None:
            text = self.doc.text
            self._quotes = (quote_spans(text, blocks(text)) if _ACTIVE_MARK.search(text)
                            else [])
        return self._quotes


def _scored_matches_reference(documents, prepared, options, report) -> dict:
    """The Python road: ``{(doc_a, doc_b): [(score, shared, unit_a, unit_b), ...]}``."""
    weights = TermWeights({t for u in p.units for t in u.terms} for p in prepared)
    units = [u for p in prepared for u in p.units]
    _weigh(units, weights)
    if len(units) <= EXACT_LIMIT:
        candidates = _exact_candidates(units)
    else:
        candidates = _rare_pair_candidates(units, weights)
    by_pair: dict[tuple[int, int], list] = {}
    for k, (i, j) in enumerate(candidates):
        ui, uj = units[i], units[j]
        if documents[ui.doc].id > documents[uj.doc].id:
            ui, uj = uj, ui
        for m in _verify(ui, uj, options):
            by_pair.setdefault((ui.doc, uj.doc), []).append(m)
        if k % 8192 == 0:
            report("passages", k, len(candidates))
    report("passages", len(candidates), len(candidates))
    return by_pair


@dataclass(frozen=True, slots=True)
class _Road:
    units: object  # prepare.Units
    weighted: np.ndarray
    totals: np.ndarray
    texts: Sequence[str]
    templates: Templates | None


class _ArrayUnit(_Unit):
    """A unit of the compiled road: its place is copied, its terms are read from the arrays
    when a decision asks for them (most matched units are never asked)."""

    __slots__ = ("_road", "_u", "_terms", "_weighted")

    def __init__(self, road: _Road, u: int, doc: int, first: int, last: int, start: int,
                 end: int) -> None:
        self.doc, self.first, self.last, self.start, self.end = doc, first, last, start, end
        self._road, self._u = road, u
        self._terms = self._weighted = None

    def _names(self) -> list[str]:
        units = self._road.units
        lo, hi = units.offsets[self._u], units.offsets[self._u + 1]
        return [units.strings[t] for t in units.terms[lo:hi].tolist()]

    @property
    def terms(self) -> dict[str, float]:
        if self._terms is None:
            units = self._road.units
            lo, hi = units.offsets[self._u], units.offsets[self._u + 1]
            self._terms = dict(zip(self._names(), units.shares[lo:hi].tolist(), strict=True))
        return self._terms

    @property
    def numbers(self) -> frozenset[str]:
        return frozenset(t for t in self._names() if _NUMBER.search(t))

    @property
    def weighted(self) -> dict[str, float]:
        if self._weighted is None:
            units = self._road.units
            lo, hi = units.offsets[self._u], units.offsets[self._u + 1]
            self._weighted = dict(zip(self._names(), self._road.weighted[lo:hi].tolist(),
                                      strict=True))
        return self._weighted

    @property
    def total(self) -> float:
        return float(self._road.totals[self._u])

    @property
    def template(self) -> bool:
        """A template line of the corpus (a window: both its sentences are)."""
        road = self._road
        if road.templates is None:
            return False
        text = road.texts[self.doc]
        parts = road.units.parts(self._u)
        return all(road.templates.is_template(text[road.units.start[p]:road.units.end[p]])
                   for p in parts)


def _scored_matches(documents, sentences_by_doc, options, report, templates=None) -> dict:
    """The compiled road: the same matches as :func:`_scored_matches_reference`."""
    from provenance.passages import kernel
    from provenance.passages.prepare import prepare_units

    units = prepare_units([d.text for d in documents], sentences_by_doc, options.windows)
    report("passages", 0, 1)
    df = units.document_frequencies(len(documents))
    weights = TermWeights.from_frequencies(dict(zip(units.strings, df.tolist(), strict=True)),
                                           len(documents))
    term_weight = units.term_weights(weights, df)
    weighted = term_weight[units.terms] * units.shares
    totals = kernel.fsum_rows(weighted, units.offsets)
    if len(units) <= EXACT_LIMIT:
        candidates = kernel.exact_candidates(units.doc, units.offsets, units.terms)
    else:
        keys, owners = kernel.rare_keys(units.offsets, units.terms, df)
        candidates = kernel.group_pairs(keys, owners, len(units), 64)
        candidates = candidates[units.doc[candidates[:, 0]] != units.doc[candidates[:, 1]]]
    rank = np.empty(len(documents), dtype=np.int64)
    rank[sorted(range(len(documents)), key=lambda d: documents[d].id)] = np.arange(len(documents))
    ua, ub, score, shared = kernel.verify_pairs(
        candidates, units.doc, rank, units.offsets, units.terms, weighted, totals,
        units.is_number, options.threshold, options.min_shared, options.number_penalty)
    report("passages", 1, 1)
    road = _Road(units, weighted, totals, [d.text for d in documents], templates)
    return _by_pair(road, ua, ub, score, shared)


def _by_pair(road: _Road, ua, ub, score, shared) -> dict:
    """The matches as the decisions take them: ``{(doc_a, doc_b): [(score, shared, unit_a,
    unit_b), ...]}``, one record per matched unit."""
    units = road.units
    involved = np.unique(np.concatenate([ua, ub]))
    made = {u: _ArrayUnit(road, u, *place) for u, *place in zip(
        involved.tolist(), units.doc[involved].tolist(), units.first[involved].tolist(),
        units.last[involved].tolist(), units.start[involved].tolist(),
        units.end[involved].tolist(), strict=True)}
    by_pair: dict[tuple[int, int], list] = {}
    for a, b, s, w in zip(ua.tolist(), ub.tolist(), score.tolist(), shared.tolist(),
                          strict=True):
        x, y = made[a], made[b]
        by_pair.setdefault((x.doc, y.doc), []).append((s, w, x, y))
    return by_pair


_ROUNDING = 1 + 1e-9  # a plain sum of a few positive floats is within this of their fsum


def _verify(ua: _Unit, ub: _Unit, options: PassageOptions) -> list[tuple]:
    # Most pairs fail, and a plain sum shows it: the exact score only lowers the rough one
    # (number penalty), so rejecting on the rough one changes no decision (tested). 2.5x less
    # time in the pair loop of an index query (Reuters, cProfile).
    wa, wb = ua.weighted, ub.weighted
    rough = sum([min(wa[t], wb[t]) for t in wa.keys() & wb.keys()]) * _ROUNDING
    total = ua.total + ub.total
    if rough < options.min_shared or (total and 2 * rough / total < options.threshold):
        return []
    score, shared = sentence_score(ua.weighted, ub.weighted, ua.numbers, ub.numbers,
                                   options.number_penalty)
    if score >= options.threshold and shared >= options.min_shared:
        return [(score, shared, ua, ub)]
    return []


def _drop_templates(by_pair: dict, options: PassageOptions,
                    whole: set[frozenset[str]] = frozenset(), documents=()) -> dict:
    """Drop loose matches of template sentences.

    A sentence that loosely matches sentences in more than ``options.template_docs`` other
    documents is a formula of the genre ("Qtly div five cts vs five cts", "raised its prime
    rate to 7-3/4 pct"), not evidence that one text repeats another: its matches below
    ``options.near_verbatim`` are dropped. Close copies of it (wire copy run by many outlets)
    are kept, and so are all matches of a whole copy (``whole``: id pairs).
    """
    partners: dict[tuple[int, int], set[int]] = {}
    for matches in by_pair.values():
        for _, _, ua, ub in matches:
            partners.setdefault((ua.doc, ua.first), set()).add(ub.doc)
            partners.setdefault((ub.doc, ub.first), set()).add(ua.doc)
    templates = {k for k, docs in partners.items() if len(docs) > options.template_docs}
    if not templates:
        return by_pair
    kept = {}
    for key, matches in by_pair.items():
        if whole and frozenset((documents[key[0]].id, documents[key[1]].id)) in whole:
            kept[key] = matches
            continue
        rest = [m for m in matches if m[0] >= options.near_verbatim
                or ((m[2].doc, m[2].first) not in templates
                    and (m[3].doc, m[3].first) not in templates)]
        if rest:
            kept[key] = rest
    return kept


def _term_matrix(units: list[_Unit]):
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows, cols = [], []
    for r, u in enumerate(units):
        for t in u.terms:
            rows.append(r)
            cols.append(vocab.setdefault(t, len(vocab)))
    data = np.ones(len(rows), dtype=np.int32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(units), max(len(vocab), 1)))


def _exact_candidates(units: list[_Unit]) -> np.ndarray:
    """Sentence pairs from different documents sharing at least two terms."""
    if len(units) < 2:
        return np.empty((0, 2), dtype=np.int64)
    from scipy import sparse

    x = _term_matrix(units)
    shared = sparse.triu(x @ x.T, k=1).tocoo()
    keep = shared.data >= 2
    i, j = shared.row[keep], shared.col[keep]
    docs = np.array([u.doc for u in units])
    cross = docs[i] != docs[j]
    pairs = np.stack([i[cross], j[cross]], axis=1).astype(np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs


def _rare_pair_candidates(units: list[_Unit], weights: TermWeights, keep: int = 5,
                          max_group: int = 64) -> np.ndarray:
    """Sentence pairs from different documents that share two of their rarest terms.

    A bottom-k sketch keyed by rarity instead of a random permutation: each sentence keeps
    its ``keep`` rarest terms found in at least two documents, and every two of them form a
    band key. Sentences colliding on a key are candidates; a key shared by more than
    ``max_group`` sentences is too common to be evidence and is dropped. One sort of all keys,
    as for document candidates.
    """
    term_ids: dict[str, int] = {}
    keys, owners = [], []
    for index, u in enumerate(units):
        rare = sorted((weights.df(t), t) for t in u.terms if weights.df(t) >= 2)[:keep]
        ids = sorted(term_ids.setdefault(t, len(term_ids)) for _, t in rare)
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                keys.append((ids[x] << 32) | ids[y])
                owners.append(index)
    pairs = colliding_pairs(np.array(keys, dtype=np.int64), np.array(owners, dtype=np.int64),
                            len(units), max_group)
    docs = np.array([u.doc for u in units])
    return pairs[docs[pairs[:, 0]] != docs[pairs[:, 1]]] if len(pairs) else pairs


def _passages(pa: _Prepared, pb: _Prepared, matches: list[tuple], options) -> list[Passage]:
    """One-to-one sentence matches (best first), merged along runs into passages."""
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for m in sorted(matches, key=lambda m: (-m[0], m[2].first, m[3].first, m[2].last,
                                            m[3].last)):
        _, _, ua, ub = m
        span_a, span_b = range(ua.first, ua.last + 1), range(ub.first, ub.last + 1)
        if used_a.isdisjoint(span_a) and used_b.isdisjoint(span_b):
            used_a.update(span_a)
            used_b.update(span_b)
            chosen.append(m)
    chosen.sort(key=lambda m: (m[2].first, m[3].first))
    runs: list[list[tuple]] = []
    for m in chosen:
        if runs:
            last = runs[-1][-1]
            da = m[2].first - last[2].last
            db = m[3].first - last[3].last
            if 0 < da <= options.gap + 1 and 0 < db <= options.gap + 1:
                runs[-1].append(m)
                continue
        runs.append([m])
    found = [(run, p) for run in runs if (p := _passage(pa, pb, run, options)) is not None]
    if len(found) == 1 and _lone(pa, pb, *found[0], options):
        return []
    return [p for _, p in found]


def _lone(pa: _Prepared, pb: _Prepared, run: list[tuple], p: Passage, options) -> bool:
    """Whether ``p``, the pair's only passage, is a lone rewritten sentence below
    ``options.lone_decision``: one sentence on each side (no window), ``rewritten``, not
    quoted, reported on its score alone (no two same figures, not ``long_words`` long)."""
    if (options.lone_decision is None or options.decision <= 0 or len(run) != 1
            or p.kind != "rewritten" or p.quoted or p.score >= options.lone_decision):
        return False
    _, _, ua, ub = run[0]
    if ua.first != ua.last or ub.first != ub.last:
        return False
    if len(_figures(pa.doc.text, p.a_start, p.a_end)
           & _figures(pb.doc.text, p.b_start, p.b_end)) >= 2:
        return False
    a_words, b_words = words(pa.doc.text, p.a_start, p.a_end), words(pb.doc.text, p.b_start,
                                                                        p.b_end)
    if min(len(a_words), len(b_words)) >= options.long_words:
        return False
    # a text that is only this sentence was rewritten whole: that is no chance overlap
    return _more_than(pa.doc.text, p.a_start, p.a_end) and _more_than(pb.doc.text, p.b_start,
                                                                       p.b_end)


def _more_than(text: str, start: int, end: int) -> bool:
    """Whether ``text`` has words outside ``[start, end)``."""
    return bool(words(text, 0, start)) or bool(words(text, end, len(text)))


def _passage(pa: _Prepared, pb: _Prepared, run: list[tuple], options) -> Passage | None:
    """The passage a run of matches makes, or None when it falls short of the operating point
    (``options.decision``; see :class:`PassageOptions`)."""
    a_start, a_end = run[0][2].start, run[-1][2].end
    b_start, b_end = run[0][3].start, run[-1][3].end
    norm_a, norm_b = words(pa.doc.text, a_start, a_end), words(pb.doc.text, b_start, b_end)
    matcher = None
    total = sum(m[1] for m in run)
    score = sum(m[0] * m[1] for m in run) / total if total else 0.0
    decided = (score >= options.decision
               or len(_figures(pa.doc.text, a_start, a_end)
                      & _figures(pb.doc.text, b_start, b_end)) >= 2
               or min(len(norm_a), len(norm_b)) >= options.long_words)
    if norm_a == norm_b:
        kind = "verbatim"
    elif _ratio_bound(norm_a, norm_b) >= options.near_verbatim and (
            matcher := _matcher(norm_a, norm_b)).ratio() \
            >= options.near_verbatim:
        kind = "near_verbatim"
    else:
        kind = "rewritten"
    quote = None
    # a shared quotation needs quoted words on both sides: most passages have none
    if _quoted_within(pa.quotes, a_start, a_end) and _quoted_within(pb.quotes, b_start, b_end):
        if matcher is None:
            matcher = _matcher(norm_a, norm_b)
        quote = _shared_quote(pa, pb, tokenize(pa.doc.text, a_start, a_end),
                              tokenize(pb.doc.text, b_start, b_end), matcher)
    if not decided and quote is None:
        return None
    return Passage(
        a=pa.doc.id, b=pb.doc.id,
        a_start=a_start, a_end=a_end, b_start=b_start, b_end=b_end,
        a_text=pa.doc.text[a_start:a_end], b_text=pb.doc.text[b_start:b_end],
        score=min(1.0, score), kind=kind, quoted=quote is not None, quote=quote,
    )


def _matcher(norm_a: list[str], norm_b: list[str]):
    """difflib's ``SequenceMatcher(None, norm_a, norm_b, autojunk=False)`` for what the
    passages ask of it (``ratio``, ``get_matching_blocks``), compiled
    (:class:`kernel.WordMatcher`, held equal to difflib by tests): a 600-word near-copy's kind
    took difflib ~5 ms, an eighth of an index query's time with passages (cProfile)."""
    from provenance.passages.kernel import WordMatcher

    return WordMatcher(norm_a, norm_b)


_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _figures(text: str, start: int, end: int) -> set[str]:
    """The figures of ``text[start:end]`` from 10 up, as written less thousands separators
    ("1,000" and "1000" are one figure; "0-10" gives only "10")."""
    out = set()
    for m in _FIGURE.finditer(text, start, end):
        value = m.group().rstrip(",").replace(",", "")
        if value and (len(value.split(".")[0]) >= 2 or "." in value) and value.strip("0."):
            out.add(value)
    return out


def _ratio_bound(a: list[str], b: list[str]) -> float:
    """An upper bound of ``SequenceMatcher(None, a, b).ratio()``: its ``real_quick_ratio``
    (the lengths) when that is below 0.8, else its ``quick_ratio`` (the words both have, as
    multisets, counted in C). When the bound is below a threshold, so is the ratio."""
    length = len(a) + len(b)
    if not length:
        return 1.0
    quick = 2.0 * min(len(a), len(b)) / length
    if quick < 0.8:
        return quick
    return 2.0 * (Counter(a) & Counter(b)).total() / length


def _quoted_within(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether a quotation span overlaps ``[start, end)``."""
    k = bisect.bisect_left(spans, (end,))
    return k > 0 and spans[k - 1][1] > start


def _inside(spans: list[tuple[int, int]], starts: list[int], token: Token) -> int:
    """Index of the quotation span holding ``token``, or -1."""
    k = bisect.bisect_right(starts, token.start) - 1
    if k >= 0 and spans[k][0] <= token.start and token.end <= spans[k][1]:
        return k
    return -1


def _shared_quote(pa, pb, toks_a, toks_b, matcher) -> str | None:
    """The quotation both sides share: at least three matched content words inside quotation
    marks on both sides, and at least half of all matched content words. Returns the quoted
    words as ``a`` gives them (from the first to the last, within one quotation)."""
    starts_a = [s for s, _ in pa.quotes]
    starts_b = [s for s, _ in pb.quotes]
    content = quoted = 0
    by_span: dict[int, list[Token]] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            ta, tb = toks_a[block.a + k], toks_b[block.b + k]
            if ta.norm in STOPWORDS:
                continue
            content += 1
            span_a = _inside(pa.quotes, starts_a, ta)
            if span_a >= 0 and _inside(pb.quotes, starts_b, tb) >= 0:
                quoted += 1
                by_span.setdefault(span_a, []).append(ta)
    if quoted < 3 or quoted < content / 2:
        return None
    best = max(sorted(by_span), key=lambda k: len(by_span[k]))
    words = by_span[best]
    text = pa.doc.text
    start = words[0].start
    end = words[-1].end
    # widen to whole matched stretch inside the quotation (stop words included)
    span_start, span_end = pa.quotes[best]
    inner = [t for t in toks_a if span_start <= t.start and t.end <= span_end]
    matched = {id(toks_a[b.a + k]) for b in matcher.get_matching_blocks() for k in range(b.size)}
    run = [t for t in inner if id(t) in matched and start <= t.start and t.end <= end]
    return text[run[0].start : run[-1].end] if run else text[start:end]


# The stages of find_passages, named for the Spark engine, which runs them in partitions and
# groups their inputs with shuffles (provenance.spark.passages).
Unit, Prepared = _Unit, _Prepared
prepare_units, weigh_units, verify_units, merge_matches = _prepare, _weigh, _verify, _passages
template_match, whole_copy_options = _template_match, _whole
