"""Storage behind :class:`provenance.index.Index`: one contract (``base``), two backends.

``sqlite`` keeps an index in one file (sorted immutable key runs); ``redis`` in a Redis
database shared by several workers; ``format1`` reads the first release's files for an upgrade.
:func:`open_store` picks the backend from the location, and refuses a location that would keep
nothing (``""``, ``":memory:"``) or that looks like a URL of a kind it does not serve (rather than
make a local file of that name).
"""

from __future__ import annotations

import re

from provenance.errors import StoreError
from provenance.stores.base import Store, redact

__all__ = ["REDIS_SCHEMES", "open_store", "redact"]

REDIS_SCHEMES = ("redis", "rediss", "unix")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")  # two letters at least: C:\ is a path


def open_store(location: str, settings: dict[str, str], *, create: bool = True,
               read_only: bool = False) -> Store:
    """The store at ``location``: a ``redis://``, ``rediss://`` or ``unix://`` URL, or the path
    of a SQLite file (made, with ``settings``, when ``create`` and no file is there)."""
    location = str(location)
    if location.strip() in ("", ":memory:") or location.startswith("file::memory:"):
        raise StoreError(f"index location {location!r} keeps nothing (SQLite's private "
                         "temporary database): give a file path such as archive.db, or a Redis "
                         "URL such as redis://localhost:6379/0 (is the variable holding it set?)")
    scheme = _SCHEME.match(location)
    if scheme and scheme.group(1).lower() in REDIS_SCHEMES and location[
            scheme.end():scheme.end() + 2] == "//":
        from provenance.stores.redis import RedisStore

        return RedisStore(location, settings, create=create, read_only=read_only)
    if scheme:
        raise StoreError(f"index location {redact(location)!r} looks like a URL "
                         f"({scheme.group(1)}:), but only redis://, rediss:// and unix:// URLs "
                         "are served (as in redis://localhost:6379/0); for a file of that name "
                         f"write ./{location}")
    from provenance.stores.sqlite import SQLiteStore

    return SQLiteStore(location, settings, create=create, read_only=read_only)
