"""One library function per command of the Spark engine: read the input, run, write a folder.

``run_dedup``, ``run_passages`` and ``run_trace`` are what ``python -m provenance_cli.spark`` and
``provenance dedup|passages|trace --engine spark`` call. Each writes JSONL (part files, as
Spark writes them) or Parquet under ``output``:

- ``dedup``: ``decisions/`` (``Decision.to_dict()``'s fields, in input order) and ``skipped/``;
- ``passages``: ``passages/`` (``Passage.to_dict()``), sorted by (a, b, a_start, b_start),
  and ``skipped/``;
- ``trace``: ``passages/``, ``pairs/`` (``Pair.to_dict()``), ``families/``
  (``Family.to_dict()``, by id: ``f1, f2, ...`` as the local engine numbers them),
  ``outlet_flows/`` (``OutletFlow.to_dict()``, as ``outlet_flows`` sorts them),
  ``churnalism/`` (``Churn.to_dict()``, one row per document, by id; a source is a
  ``{source, share}`` object) and ``skipped/``.

and returns a small summary (counts, seconds) computed by Spark. Floats are rounded as the
local JSON rounds them (Python's ``round``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from provenance.errors import ConfigError
from provenance.options import DedupOptions, PassageOptions, ScanOptions
from provenance.read.files import DEFAULT_MAX_BYTES

__all__ = ["OUTPUT_FORMATS", "run_dedup", "run_passages", "run_trace"]

OUTPUT_FORMATS = ("jsonl", "parquet")


def _write(df, path: str, fmt: str) -> None:
    if fmt == "parquet":
        df.write.mode("overwrite").parquet(path)
    else:
        df.write.mode("overwrite").option("ignoreNullFields", "false").json(path)


def _rounded(column: str, digits: int):
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    rounder = F.udf(lambda x: None if x is None else round(x, digits), T.DoubleType())
    return rounder(F.col(column)).alias(column)


def _count(frame) -> int:
    """The rows of a DataFrame that may be None (none)."""
    return 0 if frame is None else frame.count()


def _start(master, inputs, input_format, text_field, max_bytes, output_format, app):
    from provenance.spark.inputs import read_input
    from provenance.spark.session import session

    if output_format not in OUTPUT_FORMATS:
        raise ConfigError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, got "
                          f"{output_format!r}")
    spark = session(master, app)
    paths = [inputs] if isinstance(inputs, str) else list(inputs)
    return spark, read_input(spark, paths, input_format, text_field=text_field,
                             max_bytes=max_bytes)


def run_dedup(inputs: str | Sequence[str], output: str, *, master: str | None = None,
              options: DedupOptions | None = None, verify: str | None = None,
              input_format: str = "jsonl", output_format: str = "jsonl",
              text_field: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
              dropped_only: bool = False) -> dict:
    """Dedup ``inputs`` on Spark into ``output``/decisions and ``output``/skipped."""
    from pyspark.sql import functions as F

    from provenance.spark.dedup import DECISION_COLUMNS, dedup

    start = time.perf_counter()
    spark, read = _start(master, inputs, input_format, text_field, max_bytes, output_format,
                         "provenance dedup")
    frames = dedup(read, options, verify=verify)
    decisions = frames.decisions.persist()
    out = decisions.where(~F.col("keep")) if dropped_only else decisions
    out = out.orderBy("order").select(
        *[_rounded(c, 4) if c == "similarity" else c for c in DECISION_COLUMNS])
    _write(out, f"{output}/decisions", output_format)
    _write(frames.skipped.orderBy("order").select("path", "reason"), f"{output}/skipped",
           output_format)
    counts = decisions.agg(F.count("*").alias("documents"),
                           F.sum(F.col("keep").cast("long")).alias("kept")).first()
    documents, kept = int(counts["documents"]), int(counts["kept"] or 0)
    summary = {"documents": documents, "kept": kept, "dropped": documents - kept,
               "skipped": frames.skipped.count(), "seconds": time.perf_counter() - start,
               "output": output}
    decisions.unpersist()
    return summary


def _write_passages(frames, output: str, output_format: str, keep: bool = False) -> int:
    """Write the passages; ``keep``: leave them cached for a step that follows."""
    from provenance.spark.passages import PASSAGE_COLUMNS

    found = frames.passages.persist()
    _write(found.orderBy("a", "b", "a_start", "b_start").select(
        *[_rounded(c, 6) if c == "score" else c for c in PASSAGE_COLUMNS]),
        f"{output}/passages", output_format)
    n = found.count()
    if not keep:
        found.unpersist()
    return n


def run_passages(inputs: str | Sequence[str], output: str, *, master: str | None = None,
                 options: PassageOptions | None = None, input_format: str = "jsonl",
                 output_format: str = "jsonl", text_field: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """The passages of ``inputs`` on Spark into ``output``/passages and ``output``/skipped: those
    ``provenance passages`` finds (``scan``'s, with the templates learned from the corpus and
    its whole copies; see ``spark.templates.scan_passages``)."""
    from provenance.spark.templates import scan_passages

    start = time.perf_counter()
    spark, read = _start(master, inputs, input_format, text_field, max_bytes, output_format,
                         "provenance passages")
    found = scan_passages(read, ScanOptions(passages=options or PassageOptions()))
    frames = found.frames
    n = _write_passages(frames, output, output_format)
    _write(frames.skipped.orderBy("order").select("path", "reason"), f"{output}/skipped",
           output_format)
    found.pairs.unpersist()
    return {"passages": n, "units": frames.units, "candidates": frames.candidates,
            "templates": len(found.templates), "copies": _count(found.copies),
            "skipped": frames.skipped.count(),
            "seconds": time.perf_counter() - start, "output": output}


def run_trace(inputs: str | Sequence[str], output: str, *, master: str | None = None,
              config: ScanOptions | None = None, input_format: str = "jsonl",
              output_format: str = "jsonl", text_field: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """``trace`` on Spark: the passages, document pairs, reuse families and outlet flows of
    ``inputs`` into ``output``/passages, ``output``/pairs, ``output``/families,
    ``output``/outlet_flows, ``output``/churnalism and ``output``/skipped."""
    from provenance.spark.families import families
    from provenance.spark.passages import PAIR_COLUMNS
    from provenance.spark.templates import scan_passages

    config = config or ScanOptions()
    start = time.perf_counter()
    spark, read = _start(master, inputs, input_format, text_field, max_bytes, output_format,
                         "provenance trace")
    scanned = scan_passages(read, config)
    frames = scanned.frames
    n = _write_passages(frames, output, output_format, keep=True)
    traced = families(read, config, passages=frames.passages, clutter=scanned.clutter,
                      copies=scanned.copies)
    _write(traced.families, f"{output}/families", output_format)
    _write(traced.outlet_flows, f"{output}/outlet_flows", output_format)
    _write(traced.churnalism, f"{output}/churnalism", output_format)
    found = scanned.pairs
    _write(found.orderBy("a", "b").select(*[_rounded(c, 6) if c not in ("a", "b") else c
                                            for c in PAIR_COLUMNS]),
           f"{output}/pairs", output_format)
    _write(read.skipped.orderBy("order").select("path", "reason"), f"{output}/skipped",
           output_format)
    summary = {"passages": n, "templates": len(scanned.templates),
               "copies": _count(scanned.copies), "pairs": found.count(),
               "families": traced.families.count(),
               "outlet_flows": traced.outlet_flows.count(), "skipped": read.skipped.count(),
               "seconds": time.perf_counter() - start, "output": output}
    found.unpersist()
    frames.passages.unpersist()
    return summary
