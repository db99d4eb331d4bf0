"""JSON from bytes, fast and bounded: orjson first, the standard library for what it refuses,
and nesting deeper than :data:`MAX_JSON_DEPTH` refused before either parser recurses into it
(Python's ``json`` raises ``RecursionError`` around 1,000 levels; orjson 3.8 crashes the
process on deep objects)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import orjson

from provenance.read.decoding import DecodeError, decode

__all__ = ["MAX_JSON_DEPTH", "json_depth", "loads"]

MAX_JSON_DEPTH = 512  # an article record is a few levels deep
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def loads(data: bytes) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, why not)``. orjson takes strict UTF-8 JSON; the standard
    library takes the rest after decoding (a legacy encoding, NaN, a lone surrogate escape such
    as ``"\\ud83d"``, which comes back as a lone surrogate for the caller to repair)."""
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH:
        depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            return None, f"nested {depth:,} deep, over the limit of {MAX_JSON_DEPTH}"
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError:
        pass
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
