"""JSON from bytes, fast and bounded: orjson first, the standard library for what it refuses,
and nesting deeper than :data:`MAX_JSON_DEPTH` refused, never recursed into. orjson 3.10 and
later refuse it themselves; before 3.10 orjson crashes the process on deep objects (seen with
3.8.3 and 3.9.0), so with those the depth is measured first (a cost on every line); Python's
``json`` raises ``RecursionError`` around 1,000 levels."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import orjson

from provenance.read.decoding import DecodeError, decode

__all__ = ["MAX_JSON_DEPTH", "json_depth", "loads"]

MAX_JSON_DEPTH = 1024  # orjson's own limit; an article record is a few levels deep
_ORJSON_LIMITS_DEPTH = tuple(int(x) for x in orjson.__version__.split(".")[:2]) >= (3, 10)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def loads(data: bytes) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, why not)``. orjson takes strict UTF-8 JSON; the standard
    library takes the rest after decoding (a legacy encoding, NaN, a lone surrogate escape such
    as ``"\\ud83d"``, which comes back as a lone surrogate for the caller to repair)."""
    deep = f"nested over {MAX_JSON_DEPTH:,} levels deep, the limit"
    if not _ORJSON_LIMITS_DEPTH and data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH:
        if json_depth(data) > MAX_JSON_DEPTH:
            return None, deep
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc):
            return None, deep
    try:
        return json.loads(decode(data)[0]), None
    except (DecodeError, ValueError, RecursionError) as exc:
        return None, str(exc)


def json_depth(data: bytes) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (an upper bound on malformed input)."""
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())
