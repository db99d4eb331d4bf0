"""One frozen, validated configuration for a scan."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from provenance.errors import ConfigError
from provenance.passages.finder import PassageOptions
from provenance.signatures import ENGINES

__all__ = ["ScanConfig", "parse_shingle"]

SHINGLE_KINDS = ("word", "char")


def parse_shingle(spec: str) -> tuple[str, int]:
    """``"word:5"`` -> ``("word", 5)``; a bare kind takes its default size (word 5, char 5)."""
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


@dataclass(frozen=True)
class ScanConfig:
    """How documents are compared.

    - ``shingle``: ``"word:N"`` (word n-grams, default ``word:5``) or ``"char:N"``.
    - ``num_perm``: MinHash permutations (2..1024).
    - ``seed``: MinHash seed (datasketch's meaning).
    - ``threshold``: Jaccard at or above which two documents are near-duplicates (clusters), and
      the similarity the LSH banding is tuned for.
    - ``min_score``: a pair is listed when its Jaccard or either containment reaches this.
    - ``matrix_limit``: up to this many documents every pair is compared exactly and the full
      matrix is kept; above it, LSH candidates are verified and only the pair list is kept.
    - ``engine``: ``auto``, ``numpy`` (reference) or ``numba`` (compiled kernel).
    - ``passages``: find repeated and rewritten passages too (see :mod:`provenance.passages`).
    - ``passage_threshold``: weighted term overlap a sentence pair needs to match (chosen on
      the MSRP training split; see benchmarks/README.md).
    - ``passage_gap``: unmatched sentences allowed inside one passage.
    """

    shingle: str = "word:5"
    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.5
    min_score: float = 0.01
    matrix_limit: int = 2000
    engine: str = "auto"
    passages: bool = True
    passage_threshold: float = 0.37
    passage_gap: int = 1

    def __post_init__(self) -> None:
        kind, n = parse_shingle(self.shingle)
        object.__setattr__(self, "shingle", f"{kind}:{n}")
        if not isinstance(self.num_perm, int) or not 2 <= self.num_perm <= 1024:
            raise ConfigError(f"num_perm {self.num_perm!r} is outside 2..1024; 128 is usual")
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold {self.threshold!r} is outside (0, 1]; Jaccard is a "
                              "share, try 0.5")
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score {self.min_score!r} is outside [0, 1]; try 0.01")
        if not isinstance(self.matrix_limit, int) or self.matrix_limit < 0:
            raise ConfigError(f"matrix_limit {self.matrix_limit!r} must be a whole number >= 0")
        if not 0.0 < self.passage_threshold <= 1.0:
            raise ConfigError(f"passage_threshold {self.passage_threshold!r} is outside (0, 1]; "
                              "try 0.37")
        if not isinstance(self.passage_gap, int) or not 0 <= self.passage_gap <= 10:
            raise ConfigError(f"passage_gap {self.passage_gap!r} is outside 0..10; try 1")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine {self.engine!r} is not one of {', '.join(ENGINES)}")

    @property
    def shingle_kind(self) -> str:
        return self.shingle.partition(":")[0]

    @property
    def shingle_size(self) -> int:
        return int(self.shingle.partition(":")[2])

    def passage_options(self) -> PassageOptions:
        return PassageOptions(threshold=self.passage_threshold, gap=self.passage_gap)

    def to_dict(self) -> dict:
        return asdict(self)
