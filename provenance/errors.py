"""Exceptions the library raises. The CLI turns them into one-line messages and exit codes."""

from __future__ import annotations

__all__ = ["ConfigError", "InputError", "ProvenanceError"]


class ProvenanceError(Exception):
    """Base class: every error the library raises on purpose."""


class ConfigError(ProvenanceError, ValueError):
    """An option has a value outside its rule; the message names the value, the rule and the fix."""


class InputError(ProvenanceError):
    """The input as a whole cannot be used (a missing folder, nothing readable in it)."""
