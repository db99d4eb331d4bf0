"""Readers: folders, files and JSONL streams to :class:`Document` records.

Nothing is dropped silently: every input that does not become a document becomes a
:class:`Skipped` entry naming the file (and line or record), the problem and the fix, and what
the reader repaired or decided on its own is a note on the document (``Document.notes``).

Bounds: only regular files are read (a FIFO, a device or a socket is a skipped entry, so a
``.txt`` link to ``/dev/zero`` cannot make a read run forever); every read stops at its limit
in bytes as it streams. An article file or a JSONL line holds at most ``max_bytes`` bytes (a
longer line is skipped without being held: memory stays within about 2 x ``max_bytes`` for it).
JSON files (one object or a list) are parsed whole up to 1 GB; CSV files are parsed row by row
from the file, so memory follows the largest row (at most about ``max_bytes`` characters), not
the file. JSON nested deeper than :data:`MAX_JSON_DEPTH` is a skipped entry.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import IO, Any

from isal import igzip, isal_zlib

from provenance.documents import METADATA_FIELDS, Document, Skipped
from provenance.errors import ConfigError, InputError
from provenance.read.dates import date_from_url
from provenance.read.decoding import BOMS, DecodeError, decode, looks_binary, sniff_encoding
from provenance.read.html import PageError, extract_html
from provenance.read.jsonsafe import MAX_JSON_DEPTH, loads

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DUPLICATE_IDS",
    "MAX_JSON_DEPTH",
    "SUFFIXES",
    "TEXT_FIELDS",
    "Corpus",
    "iter_read",
    "read",
    "read_jsonl",
]

DEFAULT_MAX_BYTES = 20_000_000
_CONTAINER_MAX_BYTES = 1_000_000_000  # a JSON file is parsed whole
DUPLICATE_IDS = ("rename", "keep")
SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".jsonl.gz",
            ".csv")
SIDECARS = ("metadata.csv", "metadata.jsonl")
TEXT_FIELDS = ("text", "body", "content", "article", "maintext", "story")
_ALIASES = {
    "outlet": ("outlet", "source", "publisher", "site", "site_name"),
    "url": ("url", "link", "source_url"),
    "published": ("published", "date", "published_at", "publish_date", "pubdate", "timestamp",
                  "datePublished", "pubDate", "dc:date", "issued", "created", "updated"),
    "title": ("title", "headline"),
    "author": ("author", "authors", "byline"),
}
_SIDECAR_KEYS = ("file", "filename", "path", "name")
_END = object()  # the end of a stream of lines
_GZIP_ERRORS = (OSError, EOFError, zlib.error, isal_zlib.error)  # BadGzipFile is an OSError
_SAMPLE = 1 << 20  # bytes a CSV's encoding is detected from
_SURROGATES = re.compile("[\ud800-\udfff]")


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
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    duplicate_ids: str = "rename",
    stdin: IO[bytes] | None = None,
    on_item: Callable[[Document | Skipped], None] | None = None,
) -> Corpus:
    """Read folders (recursively), files, and ``-`` (JSONL on ``stdin``) into a :class:`Corpus`.

    ``include``/``exclude`` are glob patterns matched against each file's path relative to the
    folder and against its name; hidden files and folders (``.name``) are not read. Symbolic
    links to folders are followed, each folder read once (a link back to a folder already read
    is a skipped entry); a folder that cannot be listed is a skipped entry.

    ``text_field`` and ``id_field`` name the text and the id of JSON records and CSV rows
    (default: the first of :data:`TEXT_FIELDS`, and ``id``). ``max_bytes`` bounds one article
    (a file, a JSONL line, a record's text) in bytes. ``duplicate_ids``: an id already given in
    this run is ``"rename"``-d to ``id@where`` (its file and line; never an id seen before), or
    ``"keep"``-ed, so that an index replaces the earlier record by the later one; either way the
    document says so in its ``notes``.

    Raises :class:`InputError` for a path that does not exist; unreadable files become skipped
    entries. ``on_item`` is called with each document or skipped entry as it is read.
    """
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for item in iter_read(paths, include=include, exclude=exclude, text_field=text_field,
                          id_field=id_field, max_bytes=max_bytes, duplicate_ids=duplicate_ids,
                          stdin=stdin):
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
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    duplicate_ids: str = "rename",
    stdin: IO[bytes] | None = None,
) -> Iterator[Document | Skipped]:
    """:func:`read`, one document or skipped entry at a time, so that a corpus larger than
    memory can be streamed. The paths and options are checked before the first item is given."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ConfigError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
    if duplicate_ids not in DUPLICATE_IDS:
        raise ConfigError(f"duplicate_ids must be one of {', '.join(DUPLICATE_IDS)}, got "
                          f"{duplicate_ids!r}")
    for name, value in (("text_field", text_field), ("id_field", id_field)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{name} must name a field, got {value!r}; leave it out for the "
                              "default")
    for p in paths:
        if p != "-" and not os.path.exists(p):
            raise InputError(f"{_show(p)}: no such file or folder; check the path")
    if "-" in paths and stdin is None:
        raise ConfigError("'-' (JSONL on standard input) needs a stdin stream")
    opts = _Options(tuple(include), tuple(exclude), text_field, id_field, max_bytes)
    return _iter_read(paths, opts, stdin, _Ids(duplicate_ids))


@dataclass(frozen=True)
class _Options:
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    text_field: str | None
    id_field: str | None
    max_bytes: int


class _Ids:
    """Every id given in the run; a repeat is renamed to ``id@where`` (then ``~2``...) or kept."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.seen: dict[str, str] = {}  # id -> where it was first given

    def check(self, doc: Document, where: str) -> Document:
        first = self.seen.get(doc.id)
        if first is None:
            self.seen[doc.id] = where
            return doc
        if self.mode == "keep":
            return replace(doc, notes=doc.notes + (
                f"id {doc.id!r} repeats the id of {first}; kept: an index replaces the earlier "
                "record by this one",))
        new, n = f"{doc.id}@{where}", 2
        while new in self.seen:
            new, n = f"{doc.id}@{where}~{n}", n + 1
        self.seen[new] = where
        return replace(doc, id=new, notes=doc.notes + (
            f"id {doc.id!r} repeats the id of {first}; renamed {new!r}; give each record its "
            "own id, or name the field that holds one with --id-field",))


def _iter_read(paths: list[str], opts: _Options, stdin, ids: _Ids
               ) -> Iterator[Document | Skipped]:
    for p in paths:
        if p == "-":
            items = _jsonl(stdin, "<stdin>", "stdin", "", opts, {})
        elif os.path.isdir(p):
            items = _read_folder(Path(p), opts)
        else:
            items = _read_single(Path(p), opts)
        for item, where in items:
            yield ids.check(item, where) if isinstance(item, Document) else item


def _suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".jsonl.gz"):
        return ".jsonl.gz"
    return os.path.splitext(lower)[1]


def _stem(rel: str) -> str:
    suffix = _suffix(rel)
    return rel[: len(rel) - len(suffix)] if suffix else rel


def _show(path: str | os.PathLike) -> str:
    """A path as text that every writer can encode (undecodable bytes of a name -> U+FFFD)."""
    return _clean(os.fspath(path))[0]


def _clean(value: str) -> tuple[str, int]:
    """``value`` with each lone surrogate (an undecodable file-name byte, half an emoji escaped
    in JSON) replaced by U+FFFD, so offsets stay put; and how many were replaced."""
    if value.isascii() or not _SURROGATES.search(value):
        return value, 0
    return _SURROGATES.subn("\ufffd", value)


_Item = tuple[Document | Skipped, str]  # an item and where it was read (for renamed ids)


def _read_single(path: Path, opts: _Options) -> Iterator[_Item]:
    """A file named on its own: its id is its name without suffix; its folder's sidecar
    metadata still applies."""
    metadata, problems = _sidecar_metadata(path.parent, opts)
    yield from ((p, "") for p in problems)
    try:
        st = os.stat(path)
    except OSError as exc:
        yield _unreadable(path, exc), ""
        return
    yield from _read_file(path, path.name, st, metadata.get(path.name, {}), opts)


def _read_folder(root: Path, opts: _Options) -> Iterator[_Item]:
    """Files in sorted order, a folder's files before its sub-folders (as ``os.walk``), with
    symbolic links to folders followed once each and every folder not read reported."""
    visited = {_key(os.stat(root))}
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        here, prefix = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Skipped(_show(here), f"cannot list the folder ({exc.strerror or exc}); none of "
                          "its files were read; check its permissions"), ""
            continue
        metadata, problems = _sidecar_metadata(here, opts)
        yield from ((p, "") for p in problems)
        subfolders: list[tuple[Path, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path, rel = Path(entry.path), prefix + name
            try:
                st = os.stat(entry.path)  # follows symbolic links
            except OSError as exc:
                yield _unreadable(path, exc, link=entry.is_symlink()), ""
                continue
            if stat.S_ISDIR(st.st_mode):
                if _key(st) in visited:
                    yield Skipped(_show(path), "folder already read (a symbolic link to "
                                  f"{_show(os.path.realpath(path))}, read once); nothing lost"), ""
                else:
                    visited.add(_key(st))
                    subfolders.append((path, rel + "/"))
                continue
            if name in SIDECARS:
                continue
            if opts.exclude and any(fnmatch(rel, g) or fnmatch(name, g) for g in opts.exclude):
                continue
            if opts.include and not any(fnmatch(rel, g) or fnmatch(name, g) for g in opts.include):
                continue
            yield from _read_file(path, rel, st, metadata.get(name, {}), opts)
        stack.extend(reversed(subfolders))


def _key(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _unreadable(path: Path, exc: OSError, link: bool = False) -> Skipped:
    if link:
        return Skipped(_show(path), "broken symbolic link (its target is missing); fix the link "
                       "or remove it")
    return Skipped(_show(path), f"cannot read the file ({exc.__class__.__name__}: "
                   f"{exc.strerror or exc}); check its permissions and that it is complete")


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _read_bounded(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None when it holds more than ``limit`` (never reads past it)."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    return None if len(data) > limit else data


def _too_big(shown: str, size: int, limit: int, what: str = "for one article") -> Skipped:
    return Skipped(shown, f"file is over {limit:,} bytes ({size / 1e6:.1f} MB or more), the "
                   f"limit {what}; raise --max-bytes, or split it (JSONL streams)")


def _read_file(path: Path, rel: str, st: os.stat_result, meta: dict[str, str], opts: _Options
               ) -> Iterator[_Item]:
    suffix = _suffix(path.name)
    shown, rel = _show(path), _show(rel)
    notes: tuple[str, ...] = ()
    if shown != os.fspath(path):
        notes = ("the file name is not valid UTF-8; its undecodable bytes are U+FFFD in the id",)
    if suffix not in SUFFIXES:
        yield Skipped(shown, f"unsupported file type '{suffix or _show(path.name)}' (readable: "
                      f"{' '.join(SUFFIXES)}); convert it, or leave it out with --exclude"), ""
        return
    if not stat.S_ISREG(st.st_mode):
        yield Skipped(shown, f"{_kind(st.st_mode)}, not a regular file: only regular files are "
                      "read; leave it out with --exclude"), ""
        return
    stem = _stem(rel)
    limit = _CONTAINER_MAX_BYTES if suffix == ".json" else opts.max_bytes
    try:
        if suffix in (".jsonl", ".ndjson", ".jsonl.gz"):
            gz = path if suffix == ".jsonl.gz" else None
            with igzip.open(path, "rb") if gz else open(path, "rb", buffering=1 << 20) as stream:
                yield from _jsonl(stream, shown, rel, stem + ":", opts, meta, gz)
            return
        if suffix == ".csv":
            yield from _read_csv(path, shown, rel, stem, meta, opts)
            return
        if st.st_size > limit:
            yield _too_big(shown, st.st_size, limit), ""
            return
        data = _read_bounded(path, limit)
    except OSError as exc:
        yield _unreadable(path, exc), ""
        return
    if data is None:
        yield _too_big(shown, limit + 1, limit), ""
        return
    if not data.strip():
        yield Skipped(shown, "file is empty; nothing to read"), ""
        return
    if looks_binary(data) and not data.startswith(BOMS):
        yield Skipped(shown, "binary file (NUL bytes), not text; convert it to text or exclude "
                      "it"), ""
        return
    if suffix == ".json":
        yield from _read_json(data, shown, rel, stem, meta, opts)
        return
    try:
        text, encoding = decode(data)
    except DecodeError as exc:
        yield Skipped(shown, f"cannot decode the text ({exc}); save it as UTF-8"), ""
        return
    if suffix in (".html", ".htm"):
        try:
            page = extract_html(text)
        except PageError as exc:
            yield Skipped(shown, f"{exc}; the page was not read (its cost is bounded); check it "
                          "is an article page"), ""
            return
        text, meta, notes = page.text, {**page.meta, **meta}, notes + page.notes
    if not text.strip():
        yield Skipped(shown, "no article text found in the page; check it is an article"), ""
        return
    meta_fields, _ = _metadata(meta)
    yield Document(id=stem, text=text, path=shown, encoding=encoding, notes=notes,
                   **meta_fields), rel


def read_jsonl(
    stream: IO[bytes],
    name: str,
    *,
    id_prefix: str = "",
    text_field: str | None = None,
    id_field: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    defaults: dict[str, str] | None = None,
) -> Iterator[Document | Skipped]:
    """Documents from a JSONL byte stream, one JSON object a line; bad lines become skipped.

    A line over ``max_bytes`` bytes is skipped as it streams (never held whole); a stream that
    breaks off (a damaged ``.gz``) keeps the lines before the damage and ends with one skipped
    entry saying where.
    """
    opts = _Options((), (), text_field, id_field, max_bytes)
    for item, _ in _jsonl(stream, name, name, id_prefix, opts, defaults or {}):
        yield item


def _bounded_lines(stream: IO[bytes], limit: int, chunk: int = 1 << 20
                   ) -> Iterator[bytes | None]:
    """The lines of ``stream`` (without their line breaks), split in C a chunk at a time;
    ``None`` for a line over ``limit`` bytes, which is never held: memory stays within
    ``limit`` + 2 chunks. Errors of the stream (a damaged gzip) propagate."""
    # read1: what is there (up to a chunk), so a pipe's lines go on as they arrive
    read = getattr(stream, "read1", stream.read)
    carry = b""
    discarding = False
    while True:
        data = read(chunk)
        if not data:
            if discarding or len(carry) > limit:
                yield None
            elif carry:
                yield carry
            return
        parts = data.split(b"\n")
        if discarding:
            if len(parts) == 1:
                continue
            yield None
            discarding = False
            del parts[0]
        else:
            parts[0] = carry + parts[0]
        carry = parts.pop()
        for line in parts:
            yield line if len(line) <= limit else None
        if len(carry) > limit:
            discarding, carry = True, b""


def _gzip_damage(path: Path) -> str | None:
    """Why a gzip file is damaged, or None. Its checksum is only checked at its end, so a bit
    flipped in the middle decompresses to garbage first: at the first line of a ``.gz`` that is
    not JSON, this pass (a second handle, 1 MiB at a time, nothing kept) tells whether the file
    is damaged (stop there: one skipped entry for the rest) or the line is merely bad."""
    try:
        with igzip.open(path, "rb") as f:
            while f.read(1 << 20):
                pass
    except _GZIP_ERRORS as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


def _jsonl(stream: IO[bytes], shown: str, rel: str, id_prefix: str, opts: _Options,
           defaults: dict[str, str], gz: Path | None = None) -> Iterator[_Item]:
    limit = opts.max_bytes
    number = 0
    # a failed read of a damaged .gz loses its whole chunk: small chunks keep the lines before
    lines = _bounded_lines(stream, limit, 1 << 16 if gz is not None else 1 << 20)
    while True:
        try:
            raw = next(lines, _END)
        except _GZIP_ERRORS as exc:
            yield Skipped(f"{shown}:{number + 1}", "the file is damaged from line "
                          f"{number + 1} on ({exc.__class__.__name__}: {exc}); the {number:,} "
                          "lines before it were read, the rest was not; restore the file from a "
                          "good copy"), ""
            return
        if raw is _END:
            return
        number += 1
        where = f"{shown}:{number}"
        if raw is None:
            yield Skipped(where, f"line {number} is over {limit:,} bytes, the limit for one "
                          "article; raise --max-bytes"), ""
            continue
        if not raw.strip():
            continue
        record, problem = loads(raw)
        if problem is not None:  # the message as for the line with its break (as Spark's reader)
            problem = loads(raw + b"\n")[1] or problem
        damage = None
        if problem is not None and gz is not None:
            damage, gz = _gzip_damage(gz), None  # checked once
        if damage is not None:
            yield Skipped(where, f"the file is damaged from about line {number} on ({damage}); "
                          f"the {number - 1:,} lines before it were read, the rest was not; "
                          "restore the file from a good copy"), ""
            return
        if problem is not None:
            yield Skipped(where, f"line {number} is not valid JSON ({problem}); fix or remove "
                          "it"), ""
            continue
        yield _record(record, where, shown, id_prefix, number, opts, defaults, None,
                      raw=raw), f"{rel}:{number}"


def _read_json(data: bytes, shown: str, rel: str, stem: str, meta: dict, opts: _Options
               ) -> Iterator[_Item]:
    value, problem = loads(data)
    if problem is not None:
        yield Skipped(shown, f"not valid JSON ({problem}); fix it, or use JSONL for one per "
                      "line"), ""
        return
    encoding = "utf-8"
    if isinstance(value, dict):
        doc = _record(value, shown, shown, "", 0, opts, meta, encoding, sized=True)
        if isinstance(doc, Document):
            doc = replace(doc, id=stem)
        yield doc, rel
    elif isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield _record(item, f"{shown}[{number}]", shown, stem + ":", number, opts, meta,
                          encoding, sized=True), f"{rel}[{number}]"
    else:
        yield Skipped(shown, "JSON is neither an object nor a list of objects; wrap the text "
                      'as {"text": ...}'), ""


def _read_csv(path: Path, shown: str, rel: str, stem: str, meta: dict, opts: _Options
              ) -> Iterator[_Item]:
    """Rows streamed from the file (never the whole file in memory); the encoding is detected
    on the first MiB. Strict quoting: a quote left open is one skipped entry for the rest."""
    csv.field_size_limit(max(opts.max_bytes, 1024))
    with open(path, "rb") as f:
        sample = f.read(_SAMPLE)
        if not sample.strip():
            yield Skipped(shown, "file is empty; nothing to read"), ""
            return
        if looks_binary(sample) and not sample.startswith(BOMS):
            yield Skipped(shown, "binary file (NUL bytes), not text; convert it to text or "
                          "exclude it"), ""
            return
        try:
            encoding = sniff_encoding(sample, complete=len(sample) < _SAMPLE)
        except DecodeError as exc:
            yield Skipped(shown, f"cannot decode the text ({exc}); save it as UTF-8"), ""
            return
        del sample
        f.seek(0)
        text = io.TextIOWrapper(f, encoding=encoding, newline="")
        reader = csv.reader(text, strict=True)
        try:
            columns = next(reader, [])
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Skipped(shown, f"not a readable CSV ({exc}); check the quoting"), ""
            return
        wanted = [opts.text_field] if opts.text_field else list(TEXT_FIELDS)
        key = next((c for c in wanted if c in columns), None)
        if key is None:
            yield Skipped(shown, f"CSV has no text column (columns: {', '.join(columns) or 'none'}"
                          f"; looked for {', '.join(wanted)}); name it with --text-field"), ""
            return
        repeated = sorted({c for c in columns if columns.count(c) > 1 and c in
                           (key, opts.id_field or "id")})
        if repeated:
            yield Skipped(shown, f"CSV has {columns.count(repeated[0])} columns "
                          f"named {repeated[0]!r}; rename all but one (which holds the "
                          "article is not guessed)"), ""
            return
        number = 0
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                if "field larger" in str(exc):
                    yield Skipped(f"{shown}:{start}", f"a field is over {opts.max_bytes:,} "
                                  "characters, the limit for one article; raise --max-bytes"), ""
                    continue
                yield Skipped(f"{shown}:{start}", f"CSV breaks off at line {start} ({exc}; a "
                              "quote opened there is never closed, or text follows a closing "
                              f"quote); the {number - 1:,} rows before it were read; fix the "
                              "quoting from that line on"), ""
                return
            except UnicodeDecodeError as exc:
                yield Skipped(f"{shown}:{start}", f"the text is not {encoding} from line {start} "
                              f"on ({exc.reason}); rows before it were read; save the file as "
                              "UTF-8"), ""
                return
            number += 1
            if not row:
                continue
            record = dict(zip(columns, row, strict=False))
            yield _record(record, f"{shown}:{start}", shown, stem + ":", number, opts, meta,
                          encoding, sized=True), f"{rel}:{start}"


def _record(
    record: Any, where: str, path: str, id_prefix: str, number: int, opts: _Options,
    defaults: dict[str, str], encoding: str | None, *, raw: bytes | None = None,
    sized: bool = False,
) -> Document | Skipped:
    """One JSON object or CSV row as a document; its id is ``id_prefix`` + its id field, else
    + its number (``stdin:N`` on standard input). ``raw``: the JSON line it was parsed from
    (to tell a repeated key); ``sized``: the text's size in bytes is still to be checked (a
    JSONL line was bounded as it was read)."""
    if not isinstance(record, dict):
        return Skipped(where, f"record is a JSON {type(record).__name__}, not an object; "
                       'write each article as {"text": ...}')
    wanted = (opts.text_field,) if opts.text_field else TEXT_FIELDS
    for key in wanted:
        if key in record:
            break
    else:
        return Skipped(where, f"record has no text field (looked for {', '.join(wanted)}); "
                       "name it with --text-field")
    id_key = opts.id_field or "id"
    # the key's count first, here: a line that names it once (nearly all) costs one count
    if raw is not None and raw.count(_QUOTED.get(key) or b'"%s"' % key.encode()) > 1:
        repeated = _repeated_keys(raw, (key,))
        if repeated:
            return Skipped(where, f"record has the field {repeated!r} twice; keep one (which "
                           "holds the article is not guessed)")
    text = record[key]
    if not isinstance(text, str) or not text or text.isspace():
        return Skipped(where, f"field '{key}' is empty or not a string; nothing to read")
    if sized and len(text) * 4 > opts.max_bytes:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > opts.max_bytes:
            return Skipped(where, f"text is {size:,} bytes, over the {opts.max_bytes:,} limit "
                           "for one article; raise --max-bytes")
    notes: list[str] = []
    text, bad = _clean(text)
    if bad:
        notes.append(f"{bad} lone surrogate{'s' if bad > 1 else ''} (half of a character "
                     "pair, e.g. of an emoji) in the text replaced by U+FFFD")
    rid = record.get(id_key)
    if rid is not None and not isinstance(rid, dict | list) and str(rid).strip():
        rid, bad = _clean(str(rid).strip())
        if bad:
            notes.append("lone surrogates in the id replaced by U+FFFD")
        doc_id = id_prefix + rid
    else:
        doc_id = f"{id_prefix or 'stdin:'}{number}"
        if opts.id_field:
            notes.append(f"no {opts.id_field!r} field; numbered {doc_id!r}")
    meta, bad = _metadata(record)
    if bad:
        notes.append("lone surrogates in the metadata replaced by U+FFFD")
    if defaults:
        meta = {**_metadata(defaults)[0], **{k: v for k, v in meta.items() if v is not None}}
    if meta["published"] is None and meta["url"]:
        day = date_from_url(meta["url"])
        if day is not None:
            meta["published"] = day
            notes.append(f"publication date {day} taken from the URL (the record gives none)")
    return Document(id=doc_id, text=text, path=path, encoding=encoding, notes=tuple(notes),
                    **meta)


def _repeated_keys(raw: bytes, keys: tuple[str, ...]) -> str | None:
    """A key of ``keys`` given twice in the JSON object ``raw`` (parsers keep the last
    silently). Only lines that name a key twice at all are parsed again."""
    suspects = [k for k in keys if raw.count(_QUOTED.get(k) or b'"%s"' % k.encode()) > 1]
    if not suspects:
        return None
    found: list[str] = []

    def pairs(items):
        names = [k for k, _ in items]
        found.extend(k for k in suspects if names.count(k) > 1)
        return dict(items)

    try:
        json.loads(decode(raw)[0], object_pairs_hook=pairs)
    except (DecodeError, ValueError, RecursionError):
        return None
    return found[0] if found else None


_ALIAS_KEYS = frozenset(a for aliases in _ALIASES.values() for a in aliases)
_RANK = {alias: (name, rank) for name, aliases in _ALIASES.items()
         for rank, alias in enumerate(aliases)}
_QUOTED = {k: f'"{k}"'.encode() for k in (*TEXT_FIELDS, "id")}
_EMPTY_META: dict[str, str | None] = dict.fromkeys(METADATA_FIELDS)


def _metadata(source: dict[str, Any]) -> tuple[dict[str, str | None], int]:
    """The metadata fields of a record (for each, the first alias present and not empty), as
    clean text; and how many lone surrogates were replaced."""
    out = dict(_EMPTY_META)
    present = _ALIAS_KEYS.intersection(source)
    if not present:
        return out, 0
    best: dict[str, tuple[int, Any]] = {}
    for alias in present:
        value = source[alias]
        if value is None or value == "":
            continue
        name, rank = _RANK[alias]
        if name not in best or rank < best[name][0]:
            best[name] = (rank, value)
    bad = 0
    for name, (_, value) in best.items():
        if not isinstance(value, str):
            value = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        value = value.strip()
        if not value.isascii():
            value, n = _clean(value)
            bad += n
        out[name] = value
    return out, bad


def _sidecar_metadata(folder: Path, opts: _Options) -> tuple[dict[str, dict], list[Skipped]]:
    """Per-file metadata from ``metadata.csv`` / ``metadata.jsonl`` in ``folder``."""
    table: dict[str, dict] = {}
    problems: list[Skipped] = []
    for name in SIDECARS:
        path = folder / name
        try:
            if not path.is_file():
                continue
            data = _read_bounded(path, opts.max_bytes)
            if data is None:
                problems.append(_too_big(_show(path), opts.max_bytes + 1, opts.max_bytes,
                                         "for a metadata file"))
                continue
            text, _ = decode(data)
            if name.endswith(".csv"):
                rows = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
            else:
                rows = []
                for line in text.splitlines():
                    if line.strip():
                        row, problem = loads(line.encode("utf-8", "surrogatepass"))
                        if problem is not None:
                            raise ValueError(problem)
                        rows.append(row)
        except (OSError, DecodeError, ValueError, csv.Error) as exc:
            problems.append(Skipped(_show(path), f"metadata file unreadable ({exc}); fix it; the "
                                    "articles were read without it"))
            continue
        for n, row in enumerate(rows, start=1):
            key = next((row.get(k) for k in _SIDECAR_KEYS if isinstance(row, dict)
                        and row.get(k)), None)
            if key is None:
                problems.append(Skipped(f"{_show(path)}:{n}", "metadata row names no file (a "
                                        "'file' column or field); add it"))
                continue
            table[os.path.basename(str(key))] = row
    return table, problems


def parse_jsonl_line(raw: bytes, shown: str, number: int, *, id_prefix: str = "",
                     text_field: str | None = None, id_field: str | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> Document | Skipped | None:
    """Line ``number`` of the JSONL file ``shown`` (``raw``: its bytes) as the JSONL reader
    reads it -- a document, a skipped entry, or None for a blank line -- for readers that get
    the lines elsewhere (provenance.spark's partitions). Ids are not made unique here."""
    where = f"{shown}:{number}"
    if len(raw.rstrip(b"\n")) > max_bytes:
        return Skipped(where, f"line {number} is over {max_bytes:,} bytes, the limit for one "
                       "article; raise --max-bytes")
    if not raw.strip():
        return None
    record, problem = loads(raw)
    if problem is not None:
        return Skipped(where, f"line {number} is not valid JSON ({problem}); fix or remove it")
    return _record(record, where, shown, id_prefix, number,
                   _Options((), (), text_field, id_field, max_bytes), {}, None, raw=raw)


# The id parts, for readers running elsewhere (provenance.spark's partitions).
id_stem, file_suffix = _stem, _suffix
