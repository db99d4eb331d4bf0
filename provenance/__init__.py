"""provenance: find repeated and rewritten passages across news articles.

The library never prints or exits; ``provenance_cli`` is the command-line front end.
"""

__version__ = "0.1.0"

from provenance.documents import Document, Skipped  # noqa: E402
from provenance.errors import ConfigError, InputError, ProvenanceError  # noqa: E402
from provenance.options import ScanConfig  # noqa: E402
from provenance.passages.finder import Passage, PassageOptions, align, find_passages  # noqa: E402
from provenance.read.dates import parse_date  # noqa: E402
from provenance.read.files import Corpus, iter_read, read, read_jsonl  # noqa: E402
from provenance.scan import Analysis, analyze, document_units  # noqa: E402
from provenance.signatures import SignedBatch, sign, sign_bytes, sign_texts, to_lean_minhash  # noqa: E402
from provenance.similarity.pairs import Pair, SimilarityMatrix, clusters, exact_matrix  # noqa: E402
from provenance.text.sentences import Sentence, Token, sentences, tokenize  # noqa: E402
from provenance.trace.attribution import Attribution, attributions  # noqa: E402
from provenance.trace.dates import DateInfo, date_info  # noqa: E402
from provenance.trace.graph import Edge, build_edges, to_dot, to_graphml, to_networkx  # noqa: E402

__all__ = [
    "Analysis",
    "Attribution",
    "ConfigError",
    "Corpus",
    "DateInfo",
    "Document",
    "Edge",
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
    "attributions",
    "build_edges",
    "clusters",
    "date_info",
    "document_units",
    "exact_matrix",
    "find_passages",
    "iter_read",
    "parse_date",
    "read",
    "read_jsonl",
    "sentences",
    "sign",
    "sign_bytes",
    "sign_texts",
    "to_dot",
    "to_graphml",
    "to_lean_minhash",
    "to_networkx",
    "tokenize",
]
