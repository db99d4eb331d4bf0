"""Bytes to text: UTF-8 first, then a detected legacy encoding."""

from __future__ import annotations

import codecs

import charset_normalizer

from provenance.errors import DecodeError

__all__ = ["DecodeError", "decode", "looks_binary"]

# Single-byte Western encodings that charset detection confuses with one another on short texts
# (the Clough corpus's Windows-1252 curly quotes come back as cp1250 or cp775). For these the
# WHATWG rule applies: legacy Western text is Windows-1252.
_WESTERN = ("cp125", "cp775", "cp85", "cp437", "latin", "iso8859", "mac_")


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KiB mean a binary file (UTF-16 text is caught by its BOM first)."""
    return b"\x00" in data[:8192]


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding)``.

    Order: a byte-order mark; strict UTF-8; the encoding charset-normalizer detects, except that
    a Western single-byte guess becomes Windows-1252 when the bytes are valid Windows-1252.
    Raises :class:`DecodeError` when nothing decodes.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                break
    if looks_binary(data):
        raise DecodeError("binary data (NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    guess = best.encoding if best is not None else None
    if guess is None or guess.startswith(_WESTERN):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            if guess is None:
                raise DecodeError("not UTF-8, and no legacy encoding fits") from None
    return str(best), guess
