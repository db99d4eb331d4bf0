"""Every option record, validated once, composed rather than repeated. Imports no stage.

- :class:`MinHashOptions`: how documents are shingled and signed (``shingle``, ``num_perm``,
  ``seed``, ``engine``), shared by every road;
- :class:`PassageOptions`: when two sentences match and how matches join into passages;
- :class:`ScanOptions` (the scan), :class:`DedupOptions` (dedup) and :class:`IndexOptions` (a new
  index) each hold a :class:`MinHashOptions` and name their own similarity cut-off.

"threshold" means one thing in each record, said in its docstring: the Jaccard similarity from
which two documents are near-duplicates (``ScanOptions``, ``DedupOptions``), the similarity an
index's bands are tuned for (``IndexOptions``), and the weighted term overlap from which two
sentences match (``PassageOptions``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from provenance.errors import ConfigError

__all__ = [
    "ENGINES",
    "SHINGLE_KINDS",
    "DedupOptions",
    "IndexOptions",
    "MinHashOptions",
    "PassageOptions",
    "ScanConfig",
    "ScanOptions",
    "TemplateOptions",
    "check_engine",
    "parse_shingle",
]

ENGINES = ("auto", "numpy", "numba")
"""``numba``: the compiled kernels; ``numpy``: the plain reference; ``auto``: by batch size."""

SHINGLE_KINDS = ("word", "char")


def check_engine(engine: str) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else :class:`ConfigError`."""
    if engine not in ENGINES:
        raise ConfigError(f"engine {engine!r} is not one of {', '.join(ENGINES)}; 'auto' picks "
                          "by size")
    return engine


def parse_shingle(spec: str | int) -> tuple[str, int]:
    """``"word:5"`` -> ``("word", 5)``; a bare kind takes its default size (word 5, char 5); a
    bare whole number ``5`` (or ``"5"``) means ``word:5``."""
    if isinstance(spec, int) or str(spec).strip().isdigit():
        spec = f"word:{int(spec)}"
    kind, _, size = str(spec).partition(":")
    kind = kind.strip().lower()
    if kind not in SHINGLE_KINDS:
        raise ConfigError(f"shingle {spec!r}: kind must be 'word' or 'char', as in 'word:5' or "
                          "'char:5'")
    try:
        n = int(size) if size else 5
    except ValueError:
        raise ConfigError(f"shingle {spec!r}: the size after ':' must be a whole number, as in "
                          f"'{kind}:5'") from None
    if not 1 <= n <= 64:
        raise ConfigError(f"shingle {spec!r}: size {n} is outside 1..64; try '{kind}:5'")
    return kind, n


def _share(name: str, value: float, suggestion: float, *, zero: bool = False) -> None:
    """A float in (0, 1] (or [0, 1] with ``zero``); NaN is never one."""
    low_ok = value >= 0.0 if zero else value > 0.0
    if not isinstance(value, int | float) or math.isnan(value) or not (low_ok and value <= 1.0):
        interval = "[0, 1]" if zero else "(0, 1]"
        raise ConfigError(f"{name} {value!r} is outside {interval}; try {suggestion}")


def _whole(name: str, value: int, low: int, high: int | None, suggestion: int) -> None:
    if (not isinstance(value, int) or isinstance(value, bool) or value < low
            or (high is not None and value > high)):
        rule = f"{low}..{high}" if high is not None else f">= {low}"
        raise ConfigError(f"{name} {value!r} must be a whole number {rule}; try {suggestion}")


@dataclass(frozen=True, slots=True)
class MinHashOptions:
    """How documents become MinHash signatures.

    - ``shingle``: ``"word:N"`` (word n-grams) or ``"char:N"`` (character n-grams);
    - ``num_perm``: permutations (2..1024); ``seed``: datasketch's meaning (0..2**32-1);
    - ``engine``: ``auto``, ``numpy`` (reference) or ``numba`` (compiled kernel).
    """

    shingle: str = "word:5"
    num_perm: int = 128
    seed: int = 1
    engine: str = "auto"

    def __post_init__(self) -> None:
        kind, n = parse_shingle(self.shingle)
        object.__setattr__(self, "shingle", f"{kind}:{n}")
        _whole("num_perm", self.num_perm, 2, 1024, 128)
        _whole("seed", self.seed, 0, 2**32 - 1, 1)
        check_engine(self.engine)

    @property
    def shingle_kind(self) -> str:
        return self.shingle.partition(":")[0]

    @property
    def shingle_size(self) -> int:
        return int(self.shingle.partition(":")[2])


@dataclass(frozen=True, slots=True)
class PassageOptions:
    """``threshold``: weighted term overlap (0-1) a sentence pair needs to count as a match
    ("rewritten or closer"); ``min_shared``: the shared term weight it needs (about two
    informative words); ``gap``: unmatched sentences allowed inside one passage;
    ``near_verbatim``: word-level similarity from which a passage is near-verbatim;
    ``template_docs``: a sentence loosely matching sentences of more documents than this is a
    template of the genre, and its loose matches are dropped; ``windows``: also match windows
    of two consecutive sentences (a sentence split in two, or two joined).

    ``decision`` and ``long_words``: the operating point for "two texts share a passage". A
    passage is reported when its score reaches ``decision``, or it is a shared quotation, or
    both sides give the same figures (two or more numbers), or both sides run to at least
    ``long_words`` words. A shorter, looser match is what texts written independently on one
    topic share by chance (Clough A/B; see the README). ``decision=0`` reports every sentence
    match at ``threshold``: the sentence-paraphrase score (MSRP).

    ``lone_decision``: the score a *lone rewritten sentence* needs -- a pair of documents whose
    only passage is one sentence on each side, ``rewritten``, not quoted, without two same
    figures and shorter than ``long_words``; that is what two texts on one topic share by
    chance (0.6: see the README for what it costs). ``None`` holds it to ``decision`` like any
    passage; it applies only when ``decision`` is above 0 (not to whole copies nor to the
    sentence score)."""

    threshold: float = 0.37
    min_shared: float = 1.5
    gap: int = 1
    near_verbatim: float = 0.8
    number_penalty: float = 0.2
    template_docs: int = 20
    windows: bool = True
    decision: float = 0.52
    long_words: int = 60
    lone_decision: float | None = 0.6

    def __post_init__(self) -> None:
        if self.lone_decision is not None:
            _share("lone_decision", self.lone_decision, 0.52)
        _share("passage threshold", self.threshold, 0.37)
        _share("passage decision", self.decision, 0.52, zero=True)
        _whole("long_words", self.long_words, 1, None, 60)
        _share("near_verbatim", self.near_verbatim, 0.8)
        _share("number_penalty", self.number_penalty, 0.2, zero=True)
        if math.isnan(self.min_shared) or self.min_shared < 0:
            raise ConfigError(f"min_shared {self.min_shared!r} must be >= 0; try 1.5")
        _whole("passage gap", self.gap, 0, 10, 1)
        _whole("template_docs", self.template_docs, 1, None, 20)


@dataclass(frozen=True)
class ScanOptions:
    """How a scan compares documents.

    - ``minhash``: shingles and signatures (:class:`MinHashOptions`);
    - ``threshold``: Jaccard at or above which two documents are near-duplicates (clusters), and
      the similarity the LSH banding is tuned for above ``matrix_limit``;
    - ``min_score``: a pair is listed when its Jaccard or either containment reaches this;
    - ``matrix_limit``: up to this many documents every pair is compared exactly and the full
      matrix is kept; above it, LSH candidates are verified and only the pair list is kept;
    - ``passages``: :class:`PassageOptions`, or None to find no passages (nor provenance from
      them);
    - ``dayfirst``: how an ambiguous ``published`` date such as ``05/04/2023`` is read: True
      (day first), False (month first) or None (refused as ambiguous, said in ``date_problem``).

    :func:`ScanConfig` builds one from the flat keywords of the first release.
    """

    minhash: MinHashOptions = field(default_factory=MinHashOptions)
    threshold: float = 0.5
    min_score: float = 0.01
    matrix_limit: int = 2000
    passages: PassageOptions | None = field(default_factory=PassageOptions)
    dayfirst: bool | None = None

    def __post_init__(self) -> None:
        _share("threshold", self.threshold, 0.5)
        _share("min_score", self.min_score, 0.01, zero=True)
        _whole("matrix_limit", self.matrix_limit, 0, None, 2000)

    # the flat names of the first release, read-only
    shingle = property(lambda self: self.minhash.shingle)
    num_perm = property(lambda self: self.minhash.num_perm)
    seed = property(lambda self: self.minhash.seed)
    engine = property(lambda self: self.minhash.engine)
    shingle_kind = property(lambda self: self.minhash.shingle_kind)
    shingle_size = property(lambda self: self.minhash.shingle_size)

    def to_dict(self) -> dict:
        """The settings as the JSON output's ``config`` (flat, as since the first release)."""
        p = self.passages
        return {"shingle": self.shingle, "num_perm": self.num_perm, "seed": self.seed,
                "threshold": self.threshold, "min_score": self.min_score,
                "matrix_limit": self.matrix_limit, "engine": self.engine,
                "passages": p is not None,
                "passage_threshold": (p or PassageOptions()).threshold,
                "passage_gap": (p or PassageOptions()).gap}


def ScanConfig(  # noqa: N802 -- the first release's class name, kept as the flat constructor
    shingle: str = "word:5", num_perm: int = 128, seed: int = 1, threshold: float = 0.5,
    min_score: float = 0.01, matrix_limit: int = 2000, engine: str = "auto",
    passages: bool = True, passage_threshold: float = 0.37, passage_gap: int = 1,
) -> ScanOptions:
    """:class:`ScanOptions` from flat keywords (the first release's ``ScanConfig``)."""
    return ScanOptions(
        minhash=MinHashOptions(shingle=shingle, num_perm=num_perm, seed=seed, engine=engine),
        threshold=threshold, min_score=min_score, matrix_limit=matrix_limit,
        passages=PassageOptions(threshold=passage_threshold, gap=passage_gap) if passages
        else None)


@dataclass(frozen=True, slots=True)
class DedupOptions:
    """Deduplication at scale: ``threshold`` is the Jaccard similarity from which two documents
    are near-duplicates; ``minhash`` how they are signed (word shingles only: dedup signs
    bytes); ``batch`` documents are signed at a time; ``exact``: decide on the exact Jaccard of
    the candidates' shingle sets (the default), or on the MinHash estimate alone (``False``:
    no spill file, one pass); ``threads``: how many threads the compiled kernels use (None:
    numba's default, every core)."""

    threshold: float = 0.8
    minhash: MinHashOptions = field(default_factory=MinHashOptions)
    batch: int = 8192
    exact: bool = True
    threads: int | None = None

    def __post_init__(self) -> None:
        _share("threshold", self.threshold, 0.8)
        if self.minhash.shingle_kind != "word":
            raise ConfigError(f"shingle {self.minhash.shingle!r}: dedup signs word shingles; "
                              "use 'word:N'")
        _whole("batch", self.batch, 1, None, 8192)
        if self.threads is not None:
            _whole("threads", self.threads, 1, None, 2)

    shingle_size = property(lambda self: self.minhash.shingle_size)
    num_perm = property(lambda self: self.minhash.num_perm)
    seed = property(lambda self: self.minhash.seed)
    engine = property(lambda self: self.minhash.engine)


@dataclass(frozen=True, slots=True)
class IndexOptions:
    """Settings of a new index (an existing index keeps the ones it was created with):
    ``threshold`` is the similarity its document bands are tuned for (and the default for a
    near-duplicate match); ``minhash`` how documents are signed -- the compiled kernel by
    default, since an index signs one document at a time and the reference costs ~5 ms each."""

    threshold: float = 0.5
    minhash: MinHashOptions = field(default_factory=lambda: MinHashOptions(engine="numba"))

    def __post_init__(self) -> None:
        _share("threshold", self.threshold, 0.5)
        if self.minhash.shingle_kind != "word":
            raise ConfigError(f"shingle {self.minhash.shingle!r}: an index signs word shingles; "
                              "use 'word:N'")


@dataclass(frozen=True, slots=True)
class TemplateOptions:
    """``min_documents``: documents (near-duplicate groups counting once) that must use a shape
    for it to be a template; ``min_variants``: different fillings of the shape they must give
    (one sentence copied everywhere is not a template); ``min_frame``: frame words (not
    slots) a shape needs, so "N said." is never a template; ``max_line_tokens`` and
    ``min_slot_share``: a template line built from recurring pieces (see
    ``text.templates.Templates.is_template``) has at most this many shape tokens, at least
    this share of them slots; ``site_min_pages`` and ``site_max_words``: a line of at most this
    many words seen verbatim on at least this many pages of one site is that site's
    boilerplate.

    Genre formulas written as whole sentences (see ``text.templates``): a sentence is a
    formula when at least ``formula_min_hits`` of its frame-term keys are each used by at least
    ``formula_min_documents`` documents with at least ``formula_min_variants`` different sets
    of figures and names; a sentence needs ``formula_min_terms`` frame terms to have keys."""

    min_documents: int = 5
    min_variants: int = 3
    min_frame: int = 2
    max_line_tokens: int = 16
    min_slot_share: float = 0.2
    site_min_pages: int = 3
    site_max_words: int = 12
    formula_min_documents: int = 6
    formula_min_variants: int = 4
    formula_min_terms: int = 3
    formula_min_hits: int = 4

    def __post_init__(self) -> None:
        _whole("template option min_documents", self.min_documents, 2, None, 5)
        _whole("template option min_variants", self.min_variants, 2, None, 3)
        _whole("template option min_frame", self.min_frame, 1, None, 2)
        _whole("template option max_line_tokens", self.max_line_tokens, 1, None, 16)
        _share("template option min_slot_share", self.min_slot_share, 0.2, zero=True)
        _whole("template option site_min_pages", self.site_min_pages, 2, None, 3)
        _whole("template option site_max_words", self.site_max_words, 1, None, 12)
        _whole("template option formula_min_documents", self.formula_min_documents, 2, None, 6)
        _whole("template option formula_min_variants", self.formula_min_variants, 2, None, 4)
        _whole("template option formula_min_terms", self.formula_min_terms, 2, None, 3)
        _whole("template option formula_min_hits", self.formula_min_hits, 1, None, 4)

    def to_dict(self) -> dict:
        return asdict(self)
