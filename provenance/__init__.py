"""provenance: find repeated and rewritten passages across news articles.

The library never prints or exits; ``provenance_cli`` is the command-line front end.
"""

from provenance._version import __version__
from provenance.documents import Document, Skipped
from provenance.errors import (
    ConfigError,
    DecodeError,
    InputError,
    ProvenanceError,
    StoreError,
)
from provenance.options import (
    DedupOptions,
    IndexOptions,
    MinHashOptions,
    PassageOptions,
    ScanConfig,
    ScanOptions,
)
from provenance.passages import Passage, align, find_passages
from provenance.read import Corpus, iter_read, read, read_jsonl
from provenance.read.dates import parse_date
from provenance.scan import Analysis, analyze, document_units
from provenance.signatures import SignedBatch, sign, sign_bytes, sign_texts, to_lean_minhash
from provenance.similarity.pairs import Pair, SimilarityMatrix, clusters, exact_matrix
from provenance.text.sentences import Sentence, Token, sentences, tokenize
from provenance.trace.attribution import Attribution, attributions
from provenance.trace.dates import DateInfo, date_info
from provenance.trace.graph import Edge, build_edges, to_dot, to_graphml, to_networkx

__all__ = [
    "Analysis",
    "Attribution",
    "ConfigError",
    "DecodeError",
    "DedupOptions",
    "IndexOptions",
    "MinHashOptions",
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
    "ScanOptions",
    "Sentence",
    "SignedBatch",
    "SimilarityMatrix",
    "Skipped",
    "StoreError",
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
