"""What the command line says on standard error, and how it writes its outputs.

Progress bars (only at a terminal), notes about skipped inputs and legacy encodings, and
outputs written whole or not at all: to a temporary file beside the target, renamed over it
when complete, so a failed write never leaves a truncated file where yesterday's output was.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click

from provenance.documents import Document, Skipped
from provenance.read.files import SUFFIXES
from provenance.render.counts import counted

__all__ = ["Console", "OutputTarget", "SHOWN"]

SHOWN = 10
"""Skipped inputs (and legacy encodings) listed on standard error; the rest are counted."""


class Console:
    """Standard-error reporting for one command: silent with ``quiet``; progress bars only
    when standard error is a terminal."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.interactive = not quiet and sys.stderr.isatty()
        self._bar = None
        self._phase: str | None = None
        self.read = 0
        self.skipped = 0

    # --- notes -------------------------------------------------------------------------------

    def note(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def notes_on_inputs(self, skipped: Iterable[Skipped], documents: Iterable[Document],
                        where: str = "under 'skipped' in --format json") -> None:
        """The skipped inputs with their reasons, and the files decoded from a legacy
        encoding (the first :data:`SHOWN` of each; the rest counted)."""
        skipped, documents = list(skipped), list(documents)
        self._listed(f"skipped {counted(len(skipped), 'input')}:",
                     [f"{s.path}: {s.reason}" for s in skipped],
                     f"all are listed {where}")
        noted = [f"{d.id}: {'; '.join(d.notes)}" for d in documents if d.notes]
        self._listed(f"note: the reader repaired or decided {counted(len(noted), 'document')} on "
                     "its own:",
                     noted, "'notes' in --format json")
        legacy = [f"{d.path}: {d.encoding}" for d in documents
                  if d.encoding not in (None, "utf-8", "utf-8-sig")]
        self._listed(f"note: {len(legacy)} files were not UTF-8 and were decoded as detected "
                     "(check them, or save them as UTF-8):", legacy, "'encoding' in --format json")

    def _listed(self, title: str, lines: list[str], where: str) -> None:
        """``title`` and the first :data:`SHOWN` of ``lines``, the rest counted; nothing when
        there are no lines."""
        if not lines:
            return
        self.note(title)
        for line in lines[:SHOWN]:
            self.note(f"  {line}")
        if len(lines) > SHOWN:
            self.note(f"  ... and {len(lines) - SHOWN} more ({where})")

    # --- progress ----------------------------------------------------------------------------

    def counting(self, items: Iterable[Document | Skipped]) -> Iterator[Document | Skipped]:
        """Pass ``items`` through, counting them on one updating line while reading."""
        for item in items:
            self.on_item(item)
            yield item
        self.done_reading()

    def on_item(self, item: Document | Skipped) -> None:
        if isinstance(item, Skipped):
            self.skipped += 1
        else:
            self.read += 1
        if self.interactive and (self.read + self.skipped) % 500 == 0:
            click.echo(f"\rreading: {self.read:,} documents, {self.skipped:,} skipped",
                       err=True, nl=False)

    def done_reading(self) -> None:
        if self.interactive and self.read + self.skipped >= 500:
            click.echo(f"\rreading: {self.read:,} documents, {self.skipped:,} skipped", err=True)

    def progress(self, phase: str, done: int, total: int) -> None:
        """A library progress callback: one click progress bar per phase."""
        if not self.interactive:
            return
        if phase != self._phase:
            self.close()
            self._phase = phase
            if total <= 0:
                click.echo(f"{phase} ...", err=True)
                return
            self._bar = click.progressbar(length=total, label=f"{phase:<10}", file=sys.stderr)
            self._bar.__enter__()
        if self._bar is not None and total > 0:
            self._bar.update(max(0, min(done, total) - self._bar.pos))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        self._phase = None

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class OutputTarget:
    """Where a command writes one result: a file (written atomically) or standard output.

    Checked when the command starts, before any work: the folder must exist and be writable, the
    target must not be a folder, and it must not be one of the inputs (``provenance scan a.txt
    -o a.txt`` would overwrite an article).
    """

    def __init__(self, path: str | None, option: str = "--output",
                 inputs: Iterable[str] = ()) -> None:
        self.option = option
        self.path = None if path in (None, "-") else str(path)
        if self.path is None:
            return
        target = Path(self.path)
        if target.is_dir():
            raise click.UsageError(f"{option} {self.path}: is a folder; name a file in it")
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise click.ClickException(f"cannot write {self.path}: the folder {folder} does not "
                                       f"exist; create it or choose another {option}")
        if not os.access(folder, os.W_OK | os.X_OK) or (target.exists()
                                                        and not os.access(target, os.W_OK)):
            raise click.ClickException(f"cannot write {self.path}: permission denied; choose "
                                       f"another {option}")
        resolved = target.resolve()
        for given in inputs:
            if given == "-":
                continue
            source = Path(given).resolve()
            read_here = (source.is_dir() and target.is_file() and source in resolved.parents
                         and resolved.name.lower().endswith(SUFFIXES))
            if source == resolved or read_here:
                raise click.UsageError(f"{option} {self.path}: is one of the inputs; writing it "
                                       "would overwrite an article; choose another path")

    def write(self, text: str, console: Console | None = None) -> None:
        """Write ``text`` whole: to standard output, or through :meth:`write_with`."""
        if self.path is None:
            click.echo(text, nl=False)
            return

        def produce(path: str) -> None:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())

        self.write_with(produce)
        if console is not None:
            console.note(f"wrote {self.path}")

    def write_with(self, produce: Callable[[str], None]) -> None:
        """``produce(path)`` writes the result to a temporary file beside the target, renamed
        over it once complete, so a failed write leaves the old file as it was. A target that
        is a device or a pipe (/dev/stdout, /dev/full) is never renamed over: the result is
        copied into it, every write checked."""
        assert self.path is not None
        suffix = Path(self.path).suffix
        if os.path.exists(self.path) and not os.path.isfile(self.path):
            with tempfile.TemporaryDirectory(prefix="provenance-") as folder:
                temp = os.path.join(folder, "out" + suffix)
                produce(temp)
                self._guard(lambda: shutil.copyfile(temp, self.path))
            return
        fd, temp = tempfile.mkstemp(prefix=".provenance-", suffix=suffix,
                                    dir=os.path.dirname(os.path.abspath(self.path)))
        os.close(fd)
        # mkstemp makes the file private (0600): give it the mode a plain open would, or the
        # mode of the file it replaces
        mode = (os.stat(self.path).st_mode & 0o7777 if os.path.exists(self.path)
                else 0o666 & ~_umask())
        try:
            self._guard(lambda: (produce(temp), os.chmod(temp, mode),
                                 os.replace(temp, self.path)))
        finally:
            if os.path.exists(temp):
                os.unlink(temp)

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except OSError as exc:
            raise click.ClickException(f"cannot write {self.path}: {exc.strerror or exc}; "
                                       f"nothing was written there; choose another "
                                       f"{self.option}") from exc
