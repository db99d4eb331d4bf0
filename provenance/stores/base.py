"""The store contract: what :class:`provenance.index.Index` asks of a backend, and the stored
form of everything a backend keeps (the one definition of each; backends import it from here).

**Stored forms.**

- text: one zstd frame (level 1) of the UTF-8 text (lone surrogates kept), written with a
  content checksum that every read checks (:func:`pack_text`, :func:`unpack_text`);
- metadata: JSON of the document's :data:`STORED_METADATA` fields that are set, sorted keys
  (:func:`pack_meta`, :func:`unpack_meta`);
- signature: ``num_perm`` little-endian uint32 (:data:`SIGNATURE_DTYPE`,
  :func:`signature_bytes`, :func:`signature_from_bytes`);
- settings: the strings of :data:`SETTINGS` in the index's ``meta``, read back only through
  :func:`read_settings` (a missing or garbled one is a :class:`StoreError` naming the key).
- template counts (the corpus's templates, kept as documents come and go): every document's
  features (:func:`provenance.text.templates.features`: the shapes, trigrams, formula keys and
  site lines it uses, and their variants) are hashed to 64-bit keys (:func:`feature_key`); the
  store keeps, per key, the number of documents holding it, for a key that has variants the
  number of its variants held, and for a key that is not a variant its text and an example
  sentence; per document, its ``(key, parent)`` pairs (:func:`feature_pairs`: 16 bytes each,
  two little-endian int64, parent 0 for none), so that a removal or replacement takes exactly
  its counts away, in the same transaction. ``meta`` holds ``templates`` = ``"1"`` once the
  counts cover every stored document (an index made before them lacks it: :class:`Index`
  rebuilds them from the stored texts on first use) and ``template_generation``, a number every
  add and remove changes (readers cache the templates until it changes).

Every read of a stored form that finds it damaged raises :class:`StoreError` naming the location,
the document and ``provenance index check``; nothing lower (``ZstdError``, ``JSONDecodeError``,
numpy's ``ValueError``) leaves a store.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import xxhash
import zstandard

from provenance.documents import METADATA_FIELDS, Document
from provenance.errors import StoreError

__all__ = [
    "COMMON_KEY",
    "FORMAT",
    "GENERATION_META",
    "SETTINGS",
    "SIGNATURE_DTYPE",
    "STORED_METADATA",
    "TEMPLATES_META",
    "Batch",
    "CheckReport",
    "DamagedRowError",
    "DuplicateIdsError",
    "Problem",
    "Settings",
    "Store",
    "StoredRow",
    "damaged",
    "feature_key",
    "feature_pairs",
    "feature_parts",
    "pack_meta",
    "pack_text",
    "read_settings",
    "redact",
    "signature_bytes",
    "signature_from_bytes",
    "unpack_meta",
    "unpack_text",
]

FORMAT = 2
"""The stored format this provenance reads and writes (format 1: see ``stores.format1``)."""

COMMON_KEY = 500
"""A sentence key held by more documents than this is boilerplate: queries ignore it."""

SETTINGS = ("format", "threshold", "num_perm", "seed", "shingle_size")
"""The settings every index keeps in its ``meta`` (as strings)."""

STORED_METADATA = (*METADATA_FIELDS, "path")
"""The document fields kept beside the text."""

TEMPLATES_META = "templates"
"""The ``meta`` entry saying the template counts cover every stored document (``"1"``)."""

GENERATION_META = "template_generation"
"""The ``meta`` entry every add and remove changes (the template counts' version)."""

SIGNATURE_DTYPE = np.dtype("<u4")
"""A stored signature: ``num_perm`` little-endian uint32."""

MAX_TEXT_BYTES = 1 << 31
"""A stored frame claiming a larger text is damaged (the reader's largest is far below)."""

_ZSTD_OUT = zstandard.ZstdCompressor(level=1, write_checksum=True)
_ZSTD_IN = zstandard.ZstdDecompressor()


def redact(location: str) -> str:
    """``location`` with any password replaced by ``***`` (for messages and stats)."""
    try:
        parts = urlsplit(location)
    except ValueError:
        return re.sub(r"//[^@/]*@", "//***@", location)
    if parts.password is None and not parts.username:
        return location
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}" if parts.password is not None
                                     else f"{user}@{host}"))


class DamagedRowError(StoreError):
    """A stored row that does not read back: ``id`` the document, ``part`` what of it
    (``text``, ``metadata``, ``signature``), ``detail`` how."""

    def __init__(self, location: str, id_: str, part: str, detail: str) -> None:
        super().__init__(f"{location}: document {id_!r} is damaged ({part}: {detail}); list "
                         f"every damaged document with 'provenance index check {location}' and "
                         "remove them with '--repair' (then add them again from their sources)")
        self.id, self.part, self.detail = id_, part, detail


def damaged(location: str, id_: str, part: str, detail: str) -> DamagedRowError:
    """The error for a damaged stored row: names the document and the way to find the rest."""
    return DamagedRowError(location, id_, part, detail)


def pack_text(text: str) -> bytes:
    """A document's text as stored: a checksummed zstd frame of its UTF-8 (surrogates kept)."""
    return _ZSTD_OUT.compress(text.encode("utf-8", "surrogatepass"))


def unpack_text(blob: bytes, location: str = "index", id_: str = "?") -> str:
    """The text of a stored frame; a damaged frame (checksum, size, UTF-8) -> StoreError."""
    try:
        size = zstandard.frame_content_size(blob)
        if size > MAX_TEXT_BYTES:
            raise zstandard.ZstdError(f"frame claims {size:,} bytes")
        return _ZSTD_IN.decompress(blob).decode("utf-8", "surrogatepass")
    except (zstandard.ZstdError, UnicodeDecodeError, TypeError) as exc:
        raise damaged(location, id_, "text", str(exc) or type(exc).__name__) from None


def pack_meta(doc: Document) -> str:
    """The JSON kept beside a document's text: its :data:`STORED_METADATA` that are set."""
    return json.dumps({k: v for k in STORED_METADATA if (v := getattr(doc, k))},
                      ensure_ascii=False, sort_keys=True)


def unpack_meta(text: str | bytes, location: str = "index", id_: str = "?") -> dict:
    """The stored metadata as a dict of strings; damaged JSON -> StoreError."""
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise damaged(location, id_, "metadata", f"not JSON: {exc}") from None
    if not isinstance(meta, dict) or not all(
            isinstance(v, str) for k, v in meta.items() if k in STORED_METADATA):
        raise damaged(location, id_, "metadata", "not an object of strings")
    return meta


def signature_bytes(signature: np.ndarray) -> bytes:
    """One signature in its stored layout."""
    return np.ascontiguousarray(signature, dtype=SIGNATURE_DTYPE).tobytes()


def signature_from_bytes(blob: bytes, num_perm: int, location: str = "index",
                         id_: str = "?") -> np.ndarray:
    """A stored signature back as uint32; one of another length -> StoreError (the index's
    ``num_perm`` edited, or the row damaged)."""
    if not isinstance(blob, bytes | memoryview) or len(blob) != 4 * num_perm:
        got = len(blob) if isinstance(blob, bytes | memoryview) else type(blob).__name__
        raise damaged(location, id_, "signature", f"{got} bytes, but num_perm {num_perm} "
                      f"means {4 * num_perm}")
    return np.frombuffer(blob, dtype=SIGNATURE_DTYPE)


@dataclass(frozen=True, slots=True)
class Settings:
    """An index's settings, fixed when it is created."""

    threshold: float
    num_perm: int
    seed: int
    shingle_size: int

    def to_meta(self) -> dict[str, str]:
        """The ``meta`` entries of a new index (strings; ``repr`` keeps the float exact)."""
        return {"format": str(FORMAT), "threshold": repr(float(self.threshold)),
                "num_perm": str(self.num_perm), "seed": str(self.seed),
                "shingle_size": str(self.shingle_size), TEMPLATES_META: "1",
                GENERATION_META: "0"}


_RULES: dict[str, tuple[type, float, float]] = {
    "threshold": (float, 0.0, 1.0), "num_perm": (int, 2, 1024), "seed": (int, 0, 2**32 - 1),
    "shingle_size": (int, 1, 64)}


def read_settings(meta: Mapping[str, str], location: str) -> Settings:
    """The settings of an index from its ``meta`` strings: the format first (another one names
    the way forward), then each setting, checked against its rule; a missing or garbled one ->
    :class:`StoreError` naming the key."""
    found = meta.get("format")
    if found == "1":
        raise StoreError(f"{location}: index format 1, but this provenance reads format "
                         f"{FORMAT}; copy it into a new index with 'provenance index upgrade "
                         f"{location} NEW_INDEX'")
    if found != str(FORMAT):
        raise StoreError(f"{location}: index format {found}, but this provenance reads format "
                         f"{FORMAT}; rebuild the index with 'provenance index add'")
    values = {}
    for key, (kind, low, high) in _RULES.items():
        raw = meta.get(key)
        try:
            value = kind(raw) if kind is float else int(raw, 10)
            ok = math.isfinite(value) and low <= value <= high and not (key == "threshold"
                                                                        and value == 0)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            what = "is missing" if raw is None else f"is {raw!r}, outside its rule"
            raise StoreError(f"{location}: the index setting {key!r} {what} ({kind.__name__} in "
                             f"{low}..{high}); the index's meta is damaged: restore the index "
                             "from a backup, or rebuild it with 'provenance index add'")
        values[key] = value
    return Settings(**values)


@dataclass(frozen=True, slots=True)
class Batch:
    """What a backend stores for a batch of documents (distinct ids), every part in its stored
    form: ``texts`` (:func:`pack_text`), ``metas`` (:func:`pack_meta`), ``signatures``
    (``(documents, num_perm)`` of :data:`SIGNATURE_DTYPE`), ``bands`` (``(documents, bands)``
    uint64, meaningless where ``shingles == 0``), ``sentences`` (every document's sentence keys
    in turn, repeats kept; document d's are ``sentences[offsets[d]:offsets[d + 1]]``)."""

    ids: list[str]
    texts: list[bytes]
    metas: list[str]
    published: list[str | None]
    shingles: np.ndarray
    signatures: np.ndarray
    bands: np.ndarray
    sentences: np.ndarray
    offsets: np.ndarray
    features: list[dict] = field(default_factory=list)
    """Each document's template features (``key -> (parent, example)``; see
    :func:`provenance.text.templates.features`); empty: none counted."""

    def feature_pairs(self, d: int) -> np.ndarray:
        """Document d's features as ``(key, parent)`` int64 pairs (:func:`feature_pairs`)."""
        return self.feature_parts(d)[0]

    def feature_texts(self, d: int) -> dict[int, tuple[str, str | None]]:
        """``key -> (text, example)`` of document d's features that are not variants."""
        return self.feature_parts(d)[1]

    def feature_parts(self, d: int) -> tuple[np.ndarray, dict[int, tuple[str, str | None]]]:
        """Both of the above, each feature hashed once (:func:`feature_parts`)."""
        if not self.features:
            return np.empty((0, 2), np.int64), {}
        return feature_parts(self.features[d])

    def band_keys(self, d: int) -> np.ndarray:
        return self.bands[d] if self.shingles[d] else self.bands[d, :0]

    def sentence_keys(self, d: int) -> np.ndarray:
        return np.unique(self.sentences[self.offsets[d] : self.offsets[d + 1]])


def feature_key(text: str) -> int:
    """The stored 64-bit key of a template feature (xxh64 of its UTF-8, as a signed int64;
    never 0, which means "no parent")."""
    value = xxhash.xxh64_intdigest(text.encode("utf-8", "surrogatepass"))
    value = value - (1 << 64) if value >= 1 << 63 else value
    return value or 1


def feature_pairs(found: Mapping[str, tuple[str | None, str | None]]) -> np.ndarray:
    """A document's features as an ``(n, 2)`` int64 array of ``(key, parent)`` (parent 0 for
    none), in key order; its stored form is ``.astype("<i8").tobytes()``."""
    rows = sorted((feature_key(k), feature_key(p) if p is not None else 0)
                  for k, (p, _) in found.items())
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def feature_parts(found: Mapping[str, tuple[str | None, str | None]]
                  ) -> tuple[np.ndarray, dict[int, tuple[str, str | None]]]:
    """``(feature_pairs(found), key -> (text, example) of the features that are not
    variants)``, hashing each feature once (a variant's parent is among ``found``, as
    :func:`provenance.text.templates.features` makes them; one that is not is hashed
    itself)."""
    hashed = {k: feature_key(k) for k in found}
    rows = sorted((hashed[k], 0 if p is None else hashed.get(p) or feature_key(p))
                  for k, (p, _) in found.items())
    texts = {hashed[k]: (k, ex) for k, (p, ex) in found.items() if p is None}
    return np.array(rows, dtype=np.int64).reshape(-1, 2), texts


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One stored document as a backend keeps it (stored forms, unchecked)."""

    id: str
    text: bytes
    meta: str | bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class Problem:
    """Something :meth:`Index.check` found: the document (None for the index's own structures),
    the part (``text``, ``metadata``, ``signature``, ``keys``, ``structure``) and what is wrong."""

    id: str | None
    part: str
    detail: str

    def to_dict(self) -> dict:
        return {"id": self.id, "part": self.part, "detail": self.detail}


@dataclass(frozen=True)
class CheckReport:
    """What :meth:`Index.check` walked and found; with ``repair``, what it did about it."""

    location: str
    documents: int
    problems: tuple[Problem, ...] = ()
    removed: tuple[str, ...] = ()
    rebuilt_keys: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"location": self.location, "documents": self.documents, "ok": self.ok,
                "problems": [p.to_dict() for p in self.problems], "removed": list(self.removed),
                "rebuilt_keys": self.rebuilt_keys, "notes": list(self.notes)}


class DuplicateIdsError(StoreError):
    """``on_duplicate="error"`` met ids already indexed; the add changed nothing. ``ids``: the
    ids found (sorted); ``committed``: documents that earlier adds of the same run
    (:meth:`Index.add_all`) had already committed and that stay in the index."""

    def __init__(self, message: str, ids: Sequence[str], committed: int = 0) -> None:
        super().__init__(message)
        self.ids = tuple(ids)
        self.committed = committed


@runtime_checkable
class Store(Protocol):
    """What :class:`provenance.index.Index` asks of a backend (SQLite, Redis).

    **Errors.** Every method raises only :class:`StoreError` (its message names the location
    and what to do), :class:`KeyError` from :meth:`document` for an id not stored, and nothing
    else: driver errors are translated where they happen. A stored row found damaged raises
    :func:`damaged`'s error. Locations in messages and :meth:`stats` never hold a password.

    **Transactions.** :meth:`add`, :meth:`remove`, :meth:`compact` and :meth:`rebuild_keys` are
    each atomic: another reader or writer sees all of the call or none of it, and a process
    killed in the middle leaves the store as it was before the call. A failed call whose effect
    is uncertain (a Redis timeout: the server may run the script later) says so in its message;
    a failed call that certainly changed nothing says that. Reads (:meth:`candidates`,
    :meth:`document`, :meth:`count`, :meth:`has`, :meth:`rows`) each see one consistent state
    or, across calls, states that only moved forward.

    **Read-only.** A store opened read-only (``read_only`` true: its file or folder is not
    writable) answers every read; every write raises :class:`StoreError` saying why.
    """

    name: str
    location: str  # for messages: no password
    settings: dict[str, str]  # the raw ``meta`` strings (see :func:`read_settings`)
    read_only: bool

    def add(self, batch: Batch, on_duplicate: str) -> tuple[list[str], list[str], list[str]]:
        """Store a batch of distinct ids in one transaction, with their template counts (and
        the replaced documents' counts taken away); returns ``(added, replaced,
        skipped)``. An id already stored is replaced (``"replace"``), left as it is (``"skip"``)
        or, with ``"error"``, fails the whole call with :class:`DuplicateIdsError` and no
        change."""
        ...

    def remove(self, ids: list[str]) -> list[str]:
        """Remove documents in one transaction; returns the ids that were there."""
        ...

    def candidates(self, bands: np.ndarray, sents: np.ndarray,
                   min_shared: int) -> tuple[set[str], dict[str, int], dict[str, bytes]]:
        """``(near, shared, signatures)`` from one snapshot: ids sharing a band key (``bands``,
        int64 view); ids sharing at least ``min_shared`` sentence keys (keys held by more than
        :data:`COMMON_KEY` documents left out) -> how many; the stored signature bytes of all
        of them."""
        ...

    def document(self, id_: str) -> tuple[bytes, str | bytes]:
        """The stored text frame and metadata JSON of ``id_``; :class:`KeyError` if absent."""
        ...

    def documents(self, ids: Sequence[str]) -> dict[str, tuple[bytes, str | bytes]]:
        """:meth:`document` of each of ``ids`` read at once (one round trip, one statement):
        id -> (text frame, metadata JSON); an id not stored is left out."""
        ...

    def rows(self, size: int = 1000) -> Iterator[list[StoredRow]]:
        """Every stored document, ``size`` at a time, in a stable order (for checks)."""
        ...

    def check_structure(self) -> list[Problem]:
        """Problems of the backend's own structures (key runs, key sets, the file itself)."""
        ...

    def rebuild_keys(self, keys_of: Callable[[list[Document]], Batch],
                     unpack: Callable[[StoredRow], Document]) -> int:
        """Recompute every stored document's keys from its text (``keys_of``) in one
        transaction, dropping the old ones; returns the documents rekeyed."""
        ...

    def template_rows(self, min_documents: int) -> list[tuple[str, int, int, str | None]]:
        """``(text, documents, variants, example)`` of every counted template feature that is
        not a variant and is held by at least ``min_documents`` (>= 2) documents, from one
        snapshot (:func:`provenance.text.templates.templates_from_rows` makes templates of
        them)."""
        ...

    def template_generation(self) -> str:
        """The ``template_generation`` now: it changes with every add and remove."""
        ...

    def has_template_counts(self) -> bool:
        """Whether the template counts cover every stored document (``meta`` ``templates``)."""
        ...

    def rebuild_template_counts(self, features_of: Callable[[list[Document]], Batch],
                                unpack: Callable[[StoredRow], Document]) -> int:
        """Count every stored document's template features afresh from its text
        (``features_of``), dropping any counts there were, and mark the counts complete; one
        transaction on SQLite, a batch a script on Redis (each state in between keeps every
        document's counts whole). Returns the documents counted."""
        ...

    def count(self) -> int: ...

    def has(self, id_: str) -> bool: ...

    def stats(self) -> dict:
        """Storage figures; JSON-serializable (no NaN), no password."""
        ...

    def compact(self) -> None: ...

    def close(self) -> None: ...
