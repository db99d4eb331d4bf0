"""provenance: find repeated and rewritten passages across news articles.

The library never prints or exits; ``provenance_cli`` is the command-line front end.
"""

__version__ = "0.1.0"

from .config import ScanConfig  # noqa: E402
from .core import SignedBatch, sign, to_lean_minhash  # noqa: E402
from .documents import Document, Skipped  # noqa: E402
from .errors import ConfigError, InputError, ProvenanceError  # noqa: E402
from .passages import Passage, PassageOptions, align, find_passages  # noqa: E402
from .pipeline import Analysis, analyze, document_units  # noqa: E402
from .readers import Corpus, read, read_jsonl  # noqa: E402
from .similarity import Pair, SimilarityMatrix, clusters, exact_matrix  # noqa: E402
from .text import Sentence, Token, sentences, tokenize  # noqa: E402

__all__ = [
    "Analysis",
    "ConfigError",
    "Corpus",
    "Document",
    "InputError",
    "Pair",
    "Passage",
    "PassageOptions",
    "ProvenanceError",
    "ScanConfig",
    "Sentence",
    "SignedBatch",
    "SimilarityMatrix",
    "Skipped",
    "Token",
    "__version__",
    "align",
    "analyze",
    "clusters",
    "document_units",
    "exact_matrix",
    "find_passages",
    "read",
    "read_jsonl",
    "sentences",
    "sign",
    "to_lean_minhash",
    "tokenize",
]
