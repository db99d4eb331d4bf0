"""The command line's options, one decorator per concern, declared once.

- :func:`input_options`: what to read (PATHS, --include/--exclude, --text-field, --id-field,
  --max-bytes);
- :func:`minhash_options`: how documents are signed (--shingle, --num-perm, --seed, --engine);
- :func:`scan_options`: what a scan compares (--threshold, --matrix-limit, and, when the command
  finds passages, --passage-threshold);
- :func:`output_options`: where and how results go (-f/--format, -o/--output, -q/--quiet).

Every float option goes through :class:`Share`, which refuses NaN (click's FloatRange lets it
through: every comparison with NaN is false) as a usage error, exit code 2.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click

from provenance.errors import ConfigError
from provenance.options import (
    ENGINES,
    DedupOptions,
    MinHashOptions,
    PassageOptions,
    ScanOptions,
    parse_shingle,
)
from provenance.read import DEFAULT_MAX_BYTES

__all__ = ["Inputs", "Share", "input_options", "minhash_options", "output_options", "scan_options",
           "spark_options"]

_SCAN = ScanOptions()
_MINHASH = MinHashOptions()
_PASSAGES = PassageOptions()
_DEDUP = DedupOptions()


class Share(click.ParamType):
    """A number in (0, 1] (``closed=True``: [0, 1]); NaN and infinities are refused."""

    name = "share"

    def __init__(self, closed: bool = False) -> None:
        self.closed = closed

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number; give a share such as 0.5", param, ctx)
        low_ok = number >= 0.0 if self.closed else number > 0.0
        if math.isnan(number) or not (low_ok and number <= 1.0):
            interval = "[0, 1]" if self.closed else "(0, 1]"
            self.fail(f"{value!r} is outside {interval}; give a share such as 0.5", param, ctx)
        return number

    def get_metavar(self, param, ctx=None) -> str:
        return "[0<=x<=1]" if self.closed else "[0<x<=1]"


def _apply(options: list[Callable], func: Callable) -> Callable:
    for option in reversed(options):
        func = option(func)
    return func


def _shingle(ctx, param, value: str) -> str:
    try:
        kind, n = parse_shingle(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None
    if str(value).strip().isdigit():
        ctx.meta["shingle_note"] = (f"note: --shingle {value} is read as word:{n}; write "
                                    f"--shingle word:{n}")
    return f"{kind}:{n}"


@dataclass(frozen=True)
class Inputs:
    """What a command reads: PATHS and the options of :func:`input_options`."""

    paths: tuple[str, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    text_field: str | None = None
    id_field: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES

    def reader_options(self, **extra) -> dict:
        """Keyword arguments for ``provenance.read``/``iter_read`` (stdin for ``-``)."""
        return {"include": self.include, "exclude": self.exclude,
                "text_field": self.text_field, "id_field": self.id_field,
                "max_bytes": self.max_bytes,
                "stdin": sys.stdin.buffer if "-" in self.paths else None, **extra}


def input_options(func: Callable) -> Callable:
    """PATHS and the options that say what to read from them, handed to the command as one
    ``inputs`` argument (:class:`Inputs`)."""

    @functools.wraps(func)
    def wrapper(*args, paths, include, exclude, text_field, id_field, max_bytes, **kwargs):
        inputs = Inputs(tuple(paths), tuple(include), tuple(exclude), text_field, id_field,
                        max_bytes)
        return func(*args, inputs=inputs, **kwargs)

    return _apply([
        click.argument("paths", nargs=-1, required=True,
                       type=click.Path(exists=True, allow_dash=True)),
        click.option("--include", multiple=True, metavar="GLOB",
                     help="Read only files matching GLOB (path relative to the folder, or "
                          "name). Repeatable."),
        click.option("--exclude", multiple=True, metavar="GLOB",
                     help="Leave out files matching GLOB. Repeatable."),
        click.option("--text-field", metavar="NAME",
                     help="JSON field or CSV column holding the article text "
                          "[default: text, body, content, article, maintext, story]."),
        click.option("--id-field", metavar="NAME",
                     help="JSON field or CSV column holding the record's id (Reuters' "
                          "newid, a CMS story_id) [default: id]."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                     show_default=True, help="Largest article read; larger ones are "
                                             "skipped."),
    ], wrapper)


def minhash_options(func: Callable | None = None, *, engine_default: str = _MINHASH.engine,
                    shingle_help: str = "word:N (word n-grams) or char:N (character n-grams).",
                    spark: bool = False) -> Callable:
    """--shingle, --num-perm, --seed, --engine (with ``spark``, also ``--engine spark``)."""
    engines = (*ENGINES, "spark") if spark else ENGINES
    engine_help = ("Hashing core: numba kernel, numpy reference, or auto by size; spark: run on "
                   "Spark (the spark extra; results under -o DIR)." if spark else
                   "Hashing core: numba kernel, numpy reference, or auto by size.")

    def decorate(f: Callable) -> Callable:
        return _apply([
            click.option("--shingle", default=_MINHASH.shingle, show_default=True,
                         callback=_shingle, help=f"Shingles: {shingle_help}"),
            click.option("--num-perm", type=click.IntRange(2, 1024), default=_MINHASH.num_perm,
                         show_default=True, help="MinHash permutations."),
            click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=_MINHASH.seed,
                         show_default=True, help="MinHash seed (datasketch-compatible)."),
            click.option("--engine", type=click.Choice(engines), default=engine_default,
                         show_default=True, help=engine_help),
        ], f)

    return decorate(func) if func is not None else decorate


def scan_options(func: Callable | None = None, *, passages: bool = True) -> Callable:
    """--threshold, --matrix-limit and, for commands that find passages and trace them,
    --passage-threshold and --dayfirst/--monthfirst."""

    def decorate(f: Callable) -> Callable:
        options = [
            click.option("--threshold", type=Share(), default=_SCAN.threshold,
                         show_default=True,
                         help="Jaccard at or above which documents are near-duplicates."),
            click.option("--matrix-limit", type=click.IntRange(min=0),
                         default=_SCAN.matrix_limit, show_default=True,
                         help="Compare all pairs exactly up to this many documents; above it, "
                              "verify LSH candidates only."),
        ]
        if passages:
            options.append(click.option(
                "--passage-threshold", type=Share(), default=_PASSAGES.threshold,
                show_default=True, help="Weighted term overlap at which two sentences match "
                                        "(rewritten or closer)."))
            options.append(click.option(
                "--dayfirst/--monthfirst", default=None,
                help="Read an ambiguous published date such as 05/04/2023 day first or month "
                     "first [default: neither; such a date is refused and said]."))
        return _apply(options, f)

    return decorate(func) if func is not None else decorate


def output_options(formats: tuple[str, ...], default: str | None = None, help: str = "",
                   output_help: str = "Write the result to this file instead of standard "
                                      "output (- for standard output).") -> Callable:
    """-f/--format (when there is a choice), -o/--output and -q/--quiet."""

    def decorate(f: Callable) -> Callable:
        options = [
            click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
                         help=output_help),
            click.option("-q", "--quiet", is_flag=True,
                         help="No progress, notes or summary on standard error."),
        ]
        if formats:
            options.insert(0, click.option(
                "-f", "--format", "fmt", type=click.Choice(formats),
                default=default or formats[0], show_default=True,
                help=help or "Output format."))
        return _apply(options, f)

    return decorate


def spark_options(func: Callable) -> Callable:
    """--master and --spark-format, for the commands that run on Spark with --engine spark."""
    return _apply([
        click.option("--master", metavar="URL", default=None,
                     help="With --engine spark: the Spark master (local[2], yarn, spark://...) "
                          "[default: spark-submit's, else local[*]]."),
        click.option("--spark-format", type=click.Choice(["jsonl", "parquet"]), default="jsonl",
                     show_default=True,
                     help="With --engine spark: the format of the files written under -o."),
    ], func)
