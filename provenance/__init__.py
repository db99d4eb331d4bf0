"""provenance: find repeated and rewritten passages across news articles.

The library never prints or exits; ``provenance_cli`` is the command-line front end.
"""

import importlib
from typing import TYPE_CHECKING

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
from provenance.read import Corpus, iter_read, read, read_jsonl

# The rest is imported at first use (PEP 562): ``provenance dedup`` and ``index`` need neither
# the scan nor the trace (passages, networkx), and a new process is quicker to start without
# them (0.2-0.5 s of the CLI's start-up here).
_LAZY = {
    "Passage": "provenance.passages", "align": "provenance.passages",
    "find_passages": "provenance.passages",
    "parse_date": "provenance.read.dates",
    "Analysis": "provenance.scan", "analyze": "provenance.scan",
    "document_units": "provenance.scan",
    "SignedBatch": "provenance.signatures", "sign": "provenance.signatures",
    "sign_bytes": "provenance.signatures", "sign_texts": "provenance.signatures",
    "to_lean_minhash": "provenance.signatures",
    "Pair": "provenance.similarity.pairs", "SimilarityMatrix": "provenance.similarity.pairs",
    "clusters": "provenance.similarity.pairs", "exact_matrix": "provenance.similarity.pairs",
    "Sentence": "provenance.text.sentences", "Token": "provenance.text.sentences",
    "sentences": "provenance.text.sentences", "tokenize": "provenance.text.sentences",
    "Attribution": "provenance.trace.attribution", "attributions": "provenance.trace.attribution",
    "DateInfo": "provenance.trace.dates", "date_info": "provenance.trace.dates",
    "Edge": "provenance.trace.graph", "build_edges": "provenance.trace.graph",
    "to_dot": "provenance.trace.graph", "to_graphml": "provenance.trace.graph",
    "to_networkx": "provenance.trace.graph",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'provenance' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from provenance.passages import Passage, align, find_passages
    from provenance.read.dates import parse_date
    from provenance.scan import Analysis, analyze, document_units
    from provenance.signatures import (
        SignedBatch,
        sign,
        sign_bytes,
        sign_texts,
        to_lean_minhash,
    )
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
