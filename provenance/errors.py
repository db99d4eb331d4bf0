"""The one exception tree the library raises. The CLI turns each into a one-line message and an
exit code in one place (``provenance_cli.main``); nothing else escapes the library on purpose.

::

    ProvenanceError
    +-- ConfigError      an option outside its rule (also a ValueError): exit 2 in the CLI
    +-- InputError       the input as a whole cannot be used (nothing readable)
    |   +-- DecodeError  bytes that are not text in any encoding we accept
    +-- StoreError       an index cannot be opened or used (not an index, damaged, another
                         format, its server unreachable)
"""

from __future__ import annotations

__all__ = ["ConfigError", "DecodeError", "InputError", "ProvenanceError", "StoreError"]


class ProvenanceError(Exception):
    """Base class: every error the library raises on purpose."""


class ConfigError(ProvenanceError, ValueError):
    """An option has a value outside its rule; the message names the value, the rule and the fix."""


class InputError(ProvenanceError):
    """The input as a whole cannot be used (a missing folder, nothing readable in it)."""


class DecodeError(InputError, ValueError):
    """Bytes that decode as no accepted text encoding (binary data, say)."""


class StoreError(ProvenanceError):
    """An index cannot be opened or used: not an index, damaged, another format, or its server
    unreachable. The message names the location and what to do."""
