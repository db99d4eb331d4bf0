"""Stage 1 on Spark: JSONL or Parquet (any Hadoop-compatible path), or a DataFrame -> a
DataFrame of documents and a DataFrame of skipped rows with their reasons.

Every row goes through the local reader's own line rule (``read.files.parse_jsonl_line``),
inside the partitions: a malformed JSONL line, a row without text, a line over ``max_bytes``
become skipped rows (``path``, ``reason``), never a failed job. Ids are made unique as the
local reader makes them: the first row in read order keeps its id, a later one becomes
``id@file:line``. A renamed id that collides with another row's id is skipped with its reason
(the local reader would add ``~2``). A DataFrame's rows are checked as JSON lines of their
columns. The JVM decodes lines as UTF-8 (an invalid byte becomes U+FFFD, where the local
reader would try a legacy encoding).

Read order is ``(input number, line number)``; ``order`` carries it, so outputs keep the input
order. A JSONL file's lines are read and numbered in the JVM (Spark's text reader; an input
that is one file read by one task -- a ``.gz``, a small file -- is numbered as it is read, else
one small job counts each block's lines), so the ids and the skipped rows name the same lines
as the local reader. A folder of JSONL parts is read as one input named after the folder; its
lines are numbered across its parts in path order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from provenance.documents import METADATA_FIELDS
from provenance.errors import ConfigError
from provenance.read.files import DEFAULT_MAX_BYTES, id_stem, parse_jsonl_line
from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns

__all__ = ["DOCUMENT_COLUMNS", "FORMATS", "Inputs", "documents", "inputs_of", "read_input"]

FORMATS = ("jsonl", "parquet")
DOCUMENT_COLUMNS = ("id", "text", *METADATA_FIELDS, "path", "order")
_LINE_BITS = 40  # order = input number << 40 | line number


@dataclass(frozen=True)
class Inputs:
    """``documents``: id, text, the metadata columns, path, order; ``skipped``: path, reason,
    order."""

    documents: object  # pyspark.sql.DataFrame
    skipped: object


def _document_schema():
    from pyspark.sql import types as T

    return T.StructType(
        [T.StructField(c, T.StringType()) for c in ("id", "text", *METADATA_FIELDS, "path")]
        + [T.StructField("order", T.LongType()), T.StructField("reason", T.StringType()),
           T.StructField("where", T.StringType())])


def _parse_lines(batches: Iterator, names: Sequence[str], text_field: str | None,
                 max_bytes: int) -> Iterator:
    from provenance.documents import Skipped

    schema = _document_schema()
    fields = schema.fieldNames()
    kept = ("id", "text", *METADATA_FIELDS, "path")
    bases = [os.path.basename(str(name).rstrip("/")) for name in names]
    prefixes = [id_stem(base) + ":" for base in bases]
    for batch in batches:
        out: dict[str, list] = {f: [] for f in fields}
        srcs = batch.column("src").to_pylist()
        numbers = batch.column("line").to_pylist()
        for src, number, line in zip(srcs, numbers, batch.column("value").to_pylist(),
                                     strict=True):
            item = parse_jsonl_line((line or "").encode("utf-8", "surrogatepass") + b"\n",
                                    names[src], number, id_prefix=prefixes[src],
                                    text_field=text_field, max_bytes=max_bytes)
            if item is None:
                continue
            out["order"].append((src << _LINE_BITS) | number)
            if isinstance(item, Skipped):
                for f in kept:
                    out[f].append(None)
                out["path"][-1] = item.path
                out["reason"].append(item.reason)
                out["where"].append(None)
            else:
                for f in kept:
                    out[f].append(getattr(item, f))
                out["reason"].append(None)
                out["where"].append(f"{bases[src]}:{number}")
        yield from arrow_batches(out, schema)


def _parse_rows(batches: Iterator, names: Sequence[str], text_field: str | None,
                max_bytes: int) -> Iterator:
    schema = _document_schema()
    for batch in batches:
        c = columns(batch)
        out = []
        for values in zip(*(c[n] for n in names), c["__order"], strict=True):
            record = {n: v for n, v in zip(names, values[:-1], strict=True) if v is not None}
            order = values[-1]
            path = str(record.get("path") or "row")
            raw = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
            item = parse_jsonl_line(raw + b"\n", path, order + 1, text_field=text_field,
                                    max_bytes=max_bytes)
            if item is not None:
                out.append(_row(item, order, f"{path}:{order + 1}"))
        yield from batches_of(out, schema)


def batches_of(rows: list[dict], schema) -> Iterator:
    data = {f: [r.get(f) for r in rows] for f in schema.fieldNames()}
    yield from arrow_batches(data, schema)


def _skip(where: str, reason: str, order: int) -> dict:
    return {"path": where, "reason": reason, "order": order}


def _row(item, order: int, where: str) -> dict:
    from provenance.documents import Skipped

    if isinstance(item, Skipped):
        return _skip(item.path, item.reason, order)
    row = {c: getattr(item, c) for c in ("id", "text", *METADATA_FIELDS, "path")}
    row.update(order=order, reason=None, where=where)
    return row


def read_input(spark, paths: str | Sequence[str], fmt: str = "jsonl", *,
               text_field: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
               partitions: int | None = None) -> Inputs:
    """Documents and skipped rows from JSONL (``.jsonl``, ``.jsonl.gz``, a folder of parts) or
    Parquet at ``paths`` (local paths, ``hdfs://``, ``s3a://``... whatever Spark reads)."""
    if isinstance(paths, str):
        paths = [paths]
    if fmt not in FORMATS:
        raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if max_bytes <= 0:
        raise ConfigError(f"max_bytes must be positive, got {max_bytes}")
    if not paths:
        raise ConfigError("no input paths; give at least one JSONL or Parquet path")
    parts = partitions or spark.sparkContext.defaultParallelism * 2
    if fmt == "parquet":
        df = spark.read.parquet(*paths)
        return documents(df, text_field=text_field, max_bytes=max_bytes, partitions=parts)
    lines = _numbered_lines(spark, list(paths))
    if lines.rdd.getNumPartitions() < parts:  # a .gz is one partition: spread the parsing
        lines = lines.repartition(parts)
    names = [str(p) for p in paths]
    parsed = lines.mapInArrow(
        lambda it: _parse_lines(it, names, text_field, max_bytes), _document_schema())
    return _split(parsed)


def _numbered_lines(spark, paths: list[str]):
    """``(src, line, value)``: every line of every input, numbered from 1 within its input,
    read by Spark's own text reader (in the JVM, no Python on the way).

    A line's number is its place in its block of the file (``monotonically_increasing_id``
    counts the rows of a task in order, and a block's rows are read together) plus the lines
    of the blocks and files before it: one small job counts the lines of each block (a
    ``.gz`` file is one block), and the driver adds them up in (file path, block) order. When
    every input is one file read whole by one task, no lines come before and no job runs."""
    from pyspark.sql import functions as F

    frames = []
    for src, path in enumerate(paths):
        frames.append(spark.read.text(path).select(
            F.lit(src).alias("src"), F.col("_metadata.file_path").alias("file"),
            F.col("_metadata.file_block_start").alias("block"),
            F.monotonically_increasing_id().alias("mono"),
            (F.spark_partition_id().cast("long") * (1 << 33)).alias("first"), "value"))
    lines = frames[0]
    for frame in frames[1:]:
        lines = lines.unionByName(frame)
    if all(len(f.inputFiles()) == 1 for f in frames) and \
            lines.rdd.getNumPartitions() == len(frames):
        # each input one file read whole by one task (a .gz, or a file under one block): a
        # line's number is its row in that task (no job to count the lines of the blocks)
        return lines.select("src", (F.col("mono") - F.col("first") + 1).alias("line"), "value")
    blocks = (lines.groupBy("src", "file", "block")
              .agg(F.min("mono").alias("low"), F.count("*").alias("n")).collect())
    before: dict[int, int] = {}
    starts = []
    for b in sorted(blocks, key=lambda r: (r["src"], r["file"], r["block"])):
        done = before.get(b["src"], 0)
        starts.append((b["src"], b["file"], b["block"], done - b["low"] + 1))
        before[b["src"]] = done + b["n"]
    if not starts:
        return lines.select("src", F.col("mono").alias("line"), "value")
    offsets = spark.createDataFrame(starts, "src int, file string, block long, shift long")
    return (lines.join(F.broadcast(offsets), ["src", "file", "block"])
            .select("src", (F.col("mono") + F.col("shift")).alias("line"), "value"))


def documents(df, *, text_field: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
              partitions: int | None = None) -> Inputs:
    """A DataFrame with a text column (``text``, or ``text_field``, or one of the local
    reader's names: body, content...), an optional ``id`` and the metadata columns, checked
    row by row as the local reader checks a JSONL record. Rows are ordered as Spark reads
    them (``monotonically_increasing_id``)."""
    from pyspark.sql import functions as F

    columns = [c for c in df.columns if c != "__order"]
    if "order" in df.columns:
        df = df.withColumnRenamed("order", "__order")
        columns = [c for c in columns if c != "order"]
    else:
        df = df.withColumn("__order", F.monotonically_increasing_id())
    cast = df.select(*[F.col(c).cast("string").alias(c) for c in columns], "__order")
    if partitions:
        cast = cast.repartition(partitions)
    parsed = cast.mapInArrow(lambda it: _parse_rows(it, columns, text_field, max_bytes),
                              _document_schema())
    return _split(parsed)


def _split(parsed) -> Inputs:
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # On disk, not in memory: the parsed rows hold every text, and Spark builds an in-memory
    # cache's column buffers outside its memory accounting (a million 600-word documents in
    # one gzip file ran a 4 GB heap out of memory in the first job)
    parsed = parsed.persist(StorageLevel.DISK_ONLY)
    skipped = parsed.where(F.col("reason").isNotNull()).select("path", "reason", "order")
    docs = parsed.where(F.col("reason").isNull())
    # One job over the ids alone: most inputs repeat none, and then need no renaming (which
    # shuffles and sorts the whole documents by id)
    if docs.groupBy("id").count().where(F.col("count") > 1).isEmpty():
        return Inputs(docs.select(*DOCUMENT_COLUMNS), skipped)
    # Unique ids, as the local reader makes them: a repeat becomes id@file:line (then ~2...)
    k = F.row_number().over(Window.partitionBy("id").orderBy("order"))
    docs = docs.withColumn("__k", k).withColumn("__orig", F.col("id"))
    renamed = F.when(F.col("__k") == 1, F.col("id")).otherwise(
        F.concat(F.col("id"), F.lit("@"), F.col("where")))
    docs = docs.withColumn("id", renamed)
    clash = F.count("*").over(Window.partitionBy("id"))
    first = F.min("order").over(Window.partitionBy("id"))
    docs = docs.withColumn("__n", clash).withColumn("__first", first)
    bad = (F.col("__n") > 1) & (F.col("order") != F.col("__first"))
    clashes = docs.where(bad).select(
        "path",
        F.concat(F.lit("id '"), F.col("__orig"), F.lit("' repeats, and its renamed id '"),
                 F.col("id"), F.lit("' is taken by another row; give each row its own id"))
        .alias("reason"), "order")
    docs = docs.where(~bad).select(*DOCUMENT_COLUMNS)
    return Inputs(docs, skipped.unionByName(clashes))


def inputs_of(df, text_field: str | None = None):
    """``df`` as ``Inputs``: already one, rows read already (``read_input``'s columns), or a
    DataFrame of documents (``spark.inputs.documents``)."""
    if isinstance(df, Inputs):
        return df
    if set(DOCUMENT_COLUMNS) <= set(df.columns):
        return Inputs(df.select(*DOCUMENT_COLUMNS), df.sparkSession.createDataFrame(
            [], "path string, reason string, order long"))
    return documents(df, text_field=text_field)
