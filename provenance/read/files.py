"""Readers: folders, files and JSONL streams to :class:`Document` records.

Nothing is dropped silently: every input that does not become a document becomes a
:class:`Skipped` entry naming the file (and line or record), the problem and the fix.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import IO, Any

from provenance.documents import METADATA_FIELDS, Document, Skipped
from provenance.errors import ConfigError, InputError
from provenance.read.decoding import DecodeError, decode, looks_binary
from provenance.read.html import extract_html

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUFFIXES",
    "TEXT_FIELDS",
    "Corpus",
    "iter_read",
    "read",
    "read_jsonl",
]

DEFAULT_MAX_BYTES = 20_000_000
_CONTAINER_MAX_BYTES = 1_000_000_000  # a JSON or CSV file is parsed whole
SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".jsonl.gz",
            ".csv")
SIDECARS = ("metadata.csv", "metadata.jsonl")
TEXT_FIELDS = ("text", "body", "content", "article", "maintext", "story")
_ALIASES = {
    "outlet": ("outlet", "source", "publisher", "site", "site_name"),
    "url": ("url", "link", "source_url"),
    "published": ("published", "date", "published_at", "publish_date", "pubdate", "timestamp"),
    "title": ("title", "headline"),
    "author": ("author", "authors", "byline"),
}
_SIDECAR_KEYS = ("file", "filename", "path", "name")


@dataclass(frozen=True)
class Corpus:
    """What was read: documents in a stable order, and what was skipped with reasons."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.documents)


def read(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    text_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: IO[bytes] | None = None,
    on_item: Callable[[Document | Skipped], None] | None = None,
) -> Corpus:
    """Read folders (recursively), files, and ``-`` (JSONL on ``stdin``) into a :class:`Corpus`.

    ``include``/``exclude`` are glob patterns matched against each file's path relative to the
    folder and against its name; hidden files and folders (``.name``) are not read. Raises
    :class:`InputError` for a path that does not exist; unreadable files become skipped entries.
    ``on_item`` is called with each document or skipped entry as it is read (for progress).
    """
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for item in iter_read(paths, include=include, exclude=exclude, text_field=text_field,
                          max_bytes=max_bytes, stdin=stdin):
        (docs if isinstance(item, Document) else skipped).append(item)
        if on_item is not None:
            on_item(item)
    return Corpus(tuple(docs), tuple(skipped))


def iter_read(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    text_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: IO[bytes] | None = None,
) -> Iterator[Document | Skipped]:
    """:func:`read`, one document or skipped entry at a time, so that a corpus larger than
    memory can be streamed. The paths are checked before the first item is given."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if max_bytes <= 0:
        raise ConfigError(f"max_bytes must be positive, got {max_bytes}")
    for p in paths:
        if p != "-" and not os.path.exists(p):
            raise InputError(f"{p}: no such file or folder; check the path")
    if "-" in paths and stdin is None:
        raise ConfigError("'-' (JSONL on standard input) needs a stdin stream")
    opts = _Options(tuple(include), tuple(exclude), text_field, max_bytes)
    return _iter_read(paths, opts, stdin)


def _iter_read(paths: list[str], opts: _Options, stdin) -> Iterator[Document | Skipped]:
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            items = read_jsonl(stdin, "<stdin>", id_prefix="", text_field=opts.text_field,
                               max_bytes=opts.max_bytes)
        elif os.path.isdir(p):
            items = _read_folder(Path(p), opts)
        else:
            items = _read_single(Path(p), opts)
        for item in items:
            yield _unique_id(item, seen) if isinstance(item, Document) else item


@dataclass(frozen=True)
class _Options:
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    text_field: str | None
    max_bytes: int


def _suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".jsonl.gz"):
        return ".jsonl.gz"
    return os.path.splitext(lower)[1]


def _stem(rel: str) -> str:
    suffix = _suffix(rel)
    return rel[: len(rel) - len(suffix)] if suffix else rel


def _read_single(path: Path, opts: _Options) -> Iterator[Document | Skipped]:
    """A file named on its own: its id is its name without suffix; its folder's sidecar
    metadata still applies."""
    metadata, _ = _sidecar_metadata(path.parent)
    yield from _read_file(path, path.name, metadata.get(path.name, {}), opts)


def _read_folder(root: Path, opts: _Options) -> Iterator[Document | Skipped]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        metadata, problems = _sidecar_metadata(here)
        yield from problems
        for name in sorted(filenames):
            if name.startswith(".") or name in SIDECARS:
                continue
            rel = (here / name).relative_to(root).as_posix()
            if opts.exclude and any(fnmatch(rel, g) or fnmatch(name, g) for g in opts.exclude):
                continue
            if opts.include and not any(fnmatch(rel, g) or fnmatch(name, g) for g in opts.include):
                continue
            yield from _read_file(here / name, rel, metadata.get(name, {}), opts)


def _read_file(
    path: Path, rel: str, meta: dict[str, str], opts: _Options
) -> Iterator[Document | Skipped]:
    suffix = _suffix(path.name)
    shown = str(path)
    if suffix not in SUFFIXES:
        yield Skipped(shown, f"unsupported file type '{suffix or path.name}' (readable: "
                      f"{' '.join(SUFFIXES)}); convert it, or leave it out with --exclude")
        return
    try:
        size = path.stat().st_size
        if suffix in (".jsonl", ".ndjson", ".jsonl.gz"):
            opener = gzip.open if suffix == ".jsonl.gz" else open
            with opener(path, "rb") as stream:
                yield from read_jsonl(stream, shown, id_prefix=_stem(rel) + ":",
                                      text_field=opts.text_field, max_bytes=opts.max_bytes,
                                      defaults=meta)
            return
        limit = _CONTAINER_MAX_BYTES if suffix in (".json", ".csv") else opts.max_bytes
        if size > limit:
            yield Skipped(shown, f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:g} MB "
                          "limit for one article; raise --max-bytes, or split it (JSONL streams)")
            return
        data = path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield Skipped(shown, f"cannot read the file ({exc.__class__.__name__}: {exc}); "
                      "check its permissions and that it is complete")
        return
    if not data.strip():
        yield Skipped(shown, "file is empty; nothing to read")
        return
    if looks_binary(data) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield Skipped(shown, "binary file (NUL bytes), not text; convert it to text or exclude it")
        return
    try:
        text, encoding = decode(data)
    except DecodeError as exc:
        yield Skipped(shown, f"cannot decode the text ({exc}); save it as UTF-8")
        return
    stem = _stem(rel)
    if suffix in (".json",):
        yield from _read_json(text, shown, stem, encoding, meta, opts)
    elif suffix == ".csv":
        yield from _read_csv(text, shown, stem, encoding, meta, opts)
    else:
        if suffix in (".html", ".htm"):
            text, page_meta = extract_html(text)
            meta = {**page_meta, **meta}
        if not text.strip():
            yield Skipped(shown, "no article text found in the page; check it is an article")
            return
        yield Document(id=stem, text=text, path=shown, encoding=encoding, **_metadata(meta))


def read_jsonl(
    stream: IO[bytes],
    name: str,
    *,
    id_prefix: str = "",
    text_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    defaults: dict[str, str] | None = None,
) -> Iterator[Document | Skipped]:
    """Documents from a JSONL byte stream, one JSON object a line; bad lines become skipped."""
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            line, _ = decode(raw)
            record = json.loads(line)
        except (DecodeError, ValueError) as exc:
            yield Skipped(where, f"line {number} is not valid JSON ({exc}); fix or remove it")
            continue
        yield _record(record, where, name, id_prefix, number, text_field, max_bytes,
                      defaults or {}, encoding=None)


def _read_json(text, shown, stem, encoding, meta, opts) -> Iterator[Document | Skipped]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        yield Skipped(shown, f"not valid JSON ({exc}); fix it, or use JSONL for one per line")
        return
    if isinstance(value, dict):
        doc = _record(value, shown, shown, "", 0, opts.text_field, opts.max_bytes, meta, encoding)
        if isinstance(doc, Document):
            doc = Document(**{**doc.to_dict(), "id": stem})
        yield doc
    elif isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield _record(item, f"{shown}[{number}]", shown, stem + ":", number, opts.text_field,
                          opts.max_bytes, meta, encoding)
    else:
        yield Skipped(shown, "JSON is neither an object nor a list of objects; wrap the text "
                      'as {"text": ...}')


def _read_csv(text, shown, stem, encoding, meta, opts) -> Iterator[Document | Skipped]:
    csv.field_size_limit(_CONTAINER_MAX_BYTES)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = reader.fieldnames or []
    except csv.Error as exc:
        yield Skipped(shown, f"not a readable CSV ({exc}); check the quoting")
        return
    wanted = [opts.text_field] if opts.text_field else list(TEXT_FIELDS)
    if not any(c in columns for c in wanted):
        yield Skipped(shown, f"CSV has no text column (columns: {', '.join(columns) or 'none'}; "
                      f"looked for {', '.join(wanted)}); name it with --text-field")
        return
    try:
        for number, row in enumerate(reader, start=1):
            yield _record(row, f"{shown}:{number + 1}", shown, stem + ":", number, opts.text_field,
                          opts.max_bytes, meta, encoding)
    except csv.Error as exc:
        yield Skipped(shown, f"CSV breaks off at line {reader.line_num} ({exc}); check the "
                      "quoting; rows before it were read")


def _record(
    record: Any, where: str, path: str, id_prefix: str, number: int, text_field: str | None,
    max_bytes: int, defaults: dict[str, str], encoding: str | None,
) -> Document | Skipped:
    """One JSON object or CSV row as a document; its id is ``id_prefix`` + its ``id`` field,
    else + its number (``stdin:N`` on standard input)."""
    if not isinstance(record, dict):
        return Skipped(where, f"record is a JSON {type(record).__name__}, not an object; "
                       'write each article as {"text": ...}')
    wanted = [text_field] if text_field else list(TEXT_FIELDS)
    key = next((k for k in wanted if k in record), None)
    if key is None:
        return Skipped(where, f"record has no text field (looked for {', '.join(wanted)}); "
                       "name it with --text-field")
    text = record[key]
    if not isinstance(text, str) or not text.strip():
        return Skipped(where, f"field '{key}' is empty or not a string; nothing to read")
    if len(text) > max_bytes:
        return Skipped(where, f"text is {len(text):,} characters, over the {max_bytes:,} limit "
                       "for one article; raise --max-bytes")
    rid = record.get("id")
    if rid is not None and str(rid).strip():
        doc_id = id_prefix + str(rid).strip()
    else:
        doc_id = f"{id_prefix or 'stdin:'}{number}"
    meta = {**defaults, **{k: v for k, v in _metadata(record).items() if v is not None}}
    return Document(id=doc_id, text=text, path=path, encoding=encoding, **_metadata(meta))


def _metadata(source: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in METADATA_FIELDS:
        value = next((source[a] for a in _ALIASES[name] if source.get(a) not in (None, "")), None)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        out[name] = str(value).strip() if value is not None else None
    return out


def _sidecar_metadata(folder: Path) -> tuple[dict[str, dict], list[Skipped]]:
    """Per-file metadata from ``metadata.csv`` / ``metadata.jsonl`` in ``folder``."""
    table: dict[str, dict] = {}
    problems: list[Skipped] = []
    for name in SIDECARS:
        path = folder / name
        if not path.is_file():
            continue
        try:
            text, _ = decode(path.read_bytes())
            if name.endswith(".csv"):
                rows = list(csv.DictReader(io.StringIO(text, newline="")))
            else:
                rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except (OSError, DecodeError, ValueError, csv.Error) as exc:
            problems.append(Skipped(str(path), f"metadata file unreadable ({exc}); fix it; the "
                                    "articles were read without it"))
            continue
        for n, row in enumerate(rows, start=1):
            key = next((row.get(k) for k in _SIDECAR_KEYS if isinstance(row, dict)
                        and row.get(k)), None)
            if key is None:
                problems.append(Skipped(f"{path}:{n}", "metadata row names no file (a 'file' "
                                        "column or field); add it"))
                continue
            table[os.path.basename(str(key))] = row
    return table, problems


def _unique_id(doc: Document, seen: set[str]) -> Document:
    """Keep ids unique: a later duplicate takes its suffix, then ``~2``, ``~3``..."""
    new = doc.id
    if new in seen and doc.path:
        new = doc.id + _suffix(doc.path)
    n = 2
    while new in seen:
        new, n = f"{doc.id}~{n}", n + 1
    seen.add(new)
    return doc if new == doc.id else Document(**{**doc.to_dict(), "id": new})


# The record rule and id parts, for readers running elsewhere (provenance.spark's partitions).
parse_record, id_stem, file_suffix = _record, _stem, _suffix
