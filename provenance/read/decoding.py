"""Bytes to text: UTF-8 first, then a detected legacy encoding."""

from __future__ import annotations

import codecs

import charset_normalizer

from provenance.errors import DecodeError

__all__ = ["BOMS", "DecodeError", "decode", "looks_binary", "sniff_encoding"]

# Single-byte Western encodings that charset detection confuses with one another on short texts
# (the Clough corpus's Windows-1252 curly quotes come back as cp1250 or cp775). For these the
# WHATWG rule applies: legacy Western text is Windows-1252.
_WESTERN = ("cp125", "cp775", "cp85", "cp437", "latin", "iso8859", "mac_")


# UTF-32's little-endian mark starts with UTF-16's, so it is tried first.
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
BOMS = tuple(bom for bom, _ in _BOMS)


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KiB mean a binary file (UTF-16 text is caught by its BOM first)."""
    return b"\x00" in data[:8192]


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding)``.

    Order: a byte-order mark (UTF-8, UTF-32, UTF-16); strict UTF-8; the encoding
    charset-normalizer detects, except that a Western single-byte guess becomes Windows-1252
    when the bytes are valid Windows-1252.
    Raises :class:`DecodeError` when nothing decodes.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                continue
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


def sniff_encoding(sample: bytes, complete: bool) -> str:
    """The encoding of a stream from its first bytes (``complete``: the sample is all of it).

    A partial sample is cut at its last line break first, so that a character split at the
    end of the sample does not turn UTF-8 into a legacy guess. Raises :class:`DecodeError`.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if not complete:
        cut = sample.rfind(b"\n")
        sample = sample[: cut + 1] if cut > 0 else sample[: max(len(sample) - 4, 0)]
    return decode(sample)[1]
