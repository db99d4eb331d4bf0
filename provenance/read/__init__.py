"""Stage 1, reading: paths, folders, files or a JSONL stream -> Document | Skipped.

Enters: file-system paths (or a binary stream for ``-``). Leaves: documents with their decoded
text and metadata, and a :class:`Skipped` entry for every input that could not be read.
``files`` walks and parses containers (txt, md, html, json, jsonl, csv, gzip) within bounds,
``decoding`` turns bytes into text, ``jsonsafe`` parses JSON without recursing into deep nesting,
``html`` takes the article and its metadata out of a page, ``clutter`` leaves the page's
widgets and notices out, ``dates`` parses publication dates as sites and feeds publish them.
"""

from provenance.read.files import (
    DEFAULT_MAX_BYTES,
    Corpus,
    iter_read,
    read,
    read_jsonl,
)

__all__ = ["DEFAULT_MAX_BYTES", "Corpus", "iter_read", "read", "read_jsonl"]
