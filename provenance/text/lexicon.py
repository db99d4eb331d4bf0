"""Words as evidence: stop words, stems, a background list of news stock words, and corpus
weights that discount what every article says.

A passage match is judged on *content terms* -- the stems of words that are not stop words --
each weighted by how informative it is in the corpus at hand: a term found in only the two
documents compared weighs 1, one that every document uses (in the seeds, "Stoltenberg", "NATO",
"China") weighs almost nothing. Titles and reporting words that every news story uses
("secretary", "general", "spokesman", "statement") are discounted even in a two-document
comparison, where the corpus says nothing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

__all__ = ["STOCK_WORDS", "STOPWORDS", "TermWeights", "content_terms", "sentence_terms", "stem"]

STOPWORDS = frozenset(
    """
    a about above after again against all almost also although am among an and another any are
    around as at be became because been before being below between both but by can cannot could
    did do does doing done down during each either else even ever every few for from further get
    got had has have having he her here hers herself him himself his how however i if in into is
    it its itself just least less like many may me might more most much must my myself neither
    no nor not now of off often on once one only or other others otherwise our ours ourselves out
    over own per perhaps rather same several she should since so some still such than that the
    their theirs them themselves then there therefore these they this those though through thus
    to too under until up upon us very via was we were what whatever when where whether which
    while who whom whose why will with within without would yet you your yours yourself
    yourselves it's that's there's he's she's they're we're don't doesn't didn't isn't wasn't
    won't can't
    said says say saying told tell tells according
    """.split()
)
"""English function words and reporting verbs: they carry no evidence of shared content."""

STOCK_WORDS = frozenset(
    """
    secretary general president minister prime spokesman spokeswoman spokesperson official
    officials chief head leader leaders director chairman deputy senior state government
    statement press conference reporters news report reported reports added noted stated
    monday tuesday wednesday thursday friday saturday sunday today yesterday week year month
    mr mrs ms dr
    """.split()
)
"""Words every news story uses (titles, reporting, days): weighted :data:`STOCK_WEIGHT`."""
STOCK_WEIGHT = 0.3
MIN_WEIGHT = 0.05

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a normalized word: "companies" -> "compani"."""
    return _STEMMER.stemWord(word)


def content_terms(words: Iterable[str]) -> list[str]:
    """Stems of the words that are not stop words, in order (repeats kept)."""
    return [stem(w) for w in words if w not in STOPWORDS and not (len(w) == 1 and w.isalpha())]


def sentence_terms(text: str, tokens) -> dict[str, float]:
    """Content terms of one sentence, each with a share of its evidence.

    A name is one piece of evidence however many words it has: the words of a run of
    capitalized words ("NATO Secretary General Jens Stoltenberg") share a weight of 1, so a
    name two sentences both mention does not outweigh what they say. Other terms count 1.
    """
    out: dict[str, float] = {}
    run: list[str] = []
    previous_end = None

    def flush() -> None:
        for term in run:
            out[term] = max(out.get(term, 0.0), 1.0 / len(run))
        run.clear()

    for tok in tokens:
        word = tok.norm
        if word in STOPWORDS or (len(word) == 1 and word.isalpha()):
            flush()
            previous_end = None
            continue
        term = stem(word)
        capitalized = text[tok.start].isupper()
        joined = previous_end is not None and text[previous_end : tok.start] in (" ", "-")
        if capitalized and (joined or not run):
            if not joined:
                flush()
            run.append(term)
        else:
            flush()
            if capitalized:
                run.append(term)
            else:
                out[term] = 1.0
        previous_end = tok.end if capitalized else None
    flush()
    return out


_STOCK_STEMS = frozenset(stem(w) for w in STOCK_WORDS)


class TermWeights:
    """Weight of each content term from its document frequency in the corpus.

    ``weight = log((N + 1) / (df + 1)) / log((N + 1) / 3)``, clipped to [0.05, 1], so a term in
    exactly two of N documents weighs 1 and a term in all of them weighs 0.05. Below three
    documents frequencies say nothing and every term weighs 1. Stock words are multiplied by
    0.3 either way.
    """

    def __init__(self, document_terms: Iterable[Iterable[str]] = ()) -> None:
        df: Counter[str] = Counter()
        n = 0
        for terms in document_terms:
            df.update(set(terms))
            n += 1
        self.documents = n
        self._df = df
        self._norm = math.log((n + 1) / 3) if n >= 3 else 0.0
        self._cache: dict[str, float] = {}

    @classmethod
    def from_frequencies(cls, df: dict[str, int], documents: int) -> TermWeights:
        """Weights from document frequencies already counted: ``df[term]`` of ``documents``."""
        weights = cls()
        weights.documents = documents
        weights._df = Counter(df)
        weights._norm = math.log((documents + 1) / 3) if documents >= 3 else 0.0
        return weights

    def df(self, term: str) -> int:
        """In how many documents ``term`` occurs."""
        return self._df.get(term, 0)

    def __call__(self, term: str) -> float:
        w = self._cache.get(term)
        if w is None:
            w = self.of_frequency(self._df.get(term, 0), term in _STOCK_STEMS)
            self._cache[term] = w
        return w

    def of_frequency(self, df: int, stock: bool = False) -> float:
        """The weight of a term found in ``df`` documents (``stock``: a stock word's)."""
        w = 1.0
        if self._norm > 0:
            df = max(df, 2)
            w = math.log((self.documents + 1) / (df + 1)) / self._norm
            w = min(1.0, max(MIN_WEIGHT, w))
        if stock:
            w *= STOCK_WEIGHT
        return w


def is_stock(term: str) -> bool:
    """Whether ``term`` is the stem of a stock word of news (:data:`STOCK_WORDS`)."""
    return term in _STOCK_STEMS
