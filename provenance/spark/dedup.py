"""Near-duplicate decisions on Spark, equal to the local ``provenance.dedup.dedup``.

The plan, one named step per shuffle:

1. **sign** (no shuffle): each partition signs its documents straight from their bytes with the
   library's compiled kernel (``signatures.sign_bytes``) and computes what ranks them (parsed
   ``published`` date, shingle count, the content hash of ``dedup._ranking``, the id) and
   their LSH band keys (``candidates.band_keys`` with ``dedup``'s own bands and rows).
2. **candidates** (shuffle 1: band keys): keys are exploded, shuffled by key and sorted by
   (key, rank); each partition walks its keys (:func:`holder_pairs`, vectorized) and a key's
   holders pair up as ``dedup.near_duplicates`` pairs them (all pairs, or a star on the
   best-ranked holder above 32 holders); pairs are made unique.
3. **verify** (shuffles 2-3: the pairs joined with both sides' signatures, or shingle sets):
   the estimate by Spark's own array functions, in the JVM (no Python worker): the share of
   equal signature slots (the local rule, :func:`verify_estimate` is its plain reference);
   exactly, as locally: the shingle sets of the candidate documents alone are built from their
   texts (:func:`_set_partition`, as the bytes of their sorted uint64 hashes), joined to the
   pairs and compared in Python (:func:`verify_exact`); pairs at or above the threshold stay.
4. **claim**: each component's ranked documents are walked as ``dedup.decide`` walks them (a
   document not yet claimed becomes a representative and claims its near-duplicates);
   ``near_clusters`` from the edges across clusters. Up to ``driver_edges`` near-duplicate
   edges (default 2,000,000, about 200 MB) are walked in the driver in one pass (the walk over
   all components at once, in rank order, is the walk of each one); above that, connected
   components (large-star/small-star rounds over the edges) and one task per component.
5. **decisions**: every document, in input order; those in no pair keep themselves.

The corpus never reaches the driver. What grows with the corpus: the band-key shuffle (bands x
documents keys), the signatures (or the candidates' shingle sets) joined to the pairs, and the
near-duplicate edges (in the driver below ``driver_edges``; above, one component's edges are
held by one task).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from provenance.dedup import STAR_ABOVE, lsh_bands
from provenance.errors import ConfigError
from provenance.options import DedupOptions
from provenance.signatures import EMPTY, prepare, sign_bytes
from provenance.similarity.candidates import band_keys
from provenance.spark.arrow import arrow_schema, columns
from provenance.spark.arrow import table as arrow_table

__all__ = ["DECISION_COLUMNS", "DRIVER_EDGES", "VERIFY", "DedupFrames", "dedup",
           "holder_pairs", "shingle_sets",
           "verify_estimate", "verify_exact"]

VERIFY = ("estimate", "exact")
DRIVER_EDGES = 2_000_000
DECISION_COLUMNS = ("id", "keep", "cluster", "representative", "similarity", "shingles",
                    "near_clusters", "path")


@dataclass(frozen=True)
class DedupFrames:
    """``decisions``: one row per document, ``Decision.to_dict()``'s columns plus ``order``
    (input order); ``skipped``: path, reason, order; ``pairs``: the verified near-duplicate
    pairs (a, b, similarity)."""

    decisions: object
    skipped: object
    pairs: object


def shingle_sets(chunks: list[bytes], n: int) -> list[np.ndarray]:
    """Each prepared document's sorted unique shingle hashes (uint64): the library's
    ``signatures.shingle_sets``, the very values ``sign_bytes`` signs."""
    from provenance.signatures import shingle_sets as library_sets
    from provenance.signatures.text_bytes import pack

    buf, offsets = pack(list(chunks))
    hashes, starts, sizes = library_sets(buf, offsets[:-1], offsets[1:], n)
    return [hashes[s:s + k] for s, k in zip(starts.tolist(), sizes.tolist(), strict=True)]


def verify_estimate(sig_a: bytes, sig_b: bytes) -> float:
    """The local rule: the share of equal signature slots (estimated Jaccard)."""
    a = np.frombuffer(sig_a, dtype=np.uint32)
    b = np.frombuffer(sig_b, dtype=np.uint32)
    return float(np.count_nonzero(a == b)) / len(a)


def verify_exact(set_a: bytes, set_b: bytes) -> float:
    """Exact Jaccard of two sorted unique shingle-hash sets (as bytes of uint64)."""
    a = np.frombuffer(set_a, dtype=np.uint64)
    b = np.frombuffer(set_b, dtype=np.uint64)
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0


def _content(signatures: np.ndarray) -> np.ndarray:
    """``dedup._ranking``'s content hash of each signature."""
    content = np.zeros(len(signatures), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(min(8, signatures.shape[1])):
            content = (content ^ signatures[:, k].astype(np.uint64)) * np.uint64(
                0x9E3779B185EBCA87)
    return content


def _lists(values: np.ndarray, lengths: np.ndarray, arrow_type):
    """An Arrow list array of ``values`` cut into rows of ``lengths``."""
    import pyarrow as pa

    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=arrow_type))


def _sign_partition(batches: Iterator, options: DedupOptions, bands: int, rows: int,
                    exact: bool, schema) -> Iterator:
    """Each batch's documents signed, ranked and keyed, as whole Arrow columns. With exact
    verification the signatures are not kept (the shingle sets of the candidate documents
    alone are built later, by :func:`_set_partition`); else they are, for the estimate."""
    import pyarrow as pa

    from provenance.read.dates import parse_date
    from provenance.spark.arrow import arrow_schema

    target = arrow_schema(schema)
    for batch in batches:
        n = batch.num_rows
        chunks = [prepare(t) for t in batch.column("text").to_pylist()]
        sigs, counts = sign_bytes(chunks, options.shingle_size, options.num_perm,
                                  options.seed, options.engine)
        live = ~(sigs == EMPTY).all(axis=1)
        keys = band_keys(sigs, bands, rows).view(np.int64)
        dates = []
        for value in batch.column("published").to_pylist():
            when = parse_date(value)[0] if value else None
            dates.append(when.isoformat() if when else "")
        cols = {
            "id": batch.column("id").cast(pa.string()),
            "path": batch.column("path").cast(pa.string()),
            "order": batch.column("order").cast(pa.int64()),
            "shingles": pa.array(counts.astype(np.int64)),
            "undated": pa.array([d == "" for d in dates]), "date": pa.array(dates),
            "content": pa.array([f"{x:016x}" for x in _content(sigs).tolist()]),
            "keys": _lists(keys[live].ravel(), np.where(live, bands, 0), pa.int64()),
        }
        if not exact:
            cols["sig"] = _lists(sigs.view(np.int32).ravel(),
                                 np.full(n, sigs.shape[1], dtype=np.int64), pa.int32())
        yield pa.RecordBatch.from_arrays([cols[f.name] for f in target], schema=target)


def _set_partition(batches: Iterator, shingle_size: int, schema) -> Iterator:
    """Each batch's documents' sorted unique shingle hashes (:func:`shingle_sets`), as the
    bytes of their uint64 values, beside their ids: run on the candidate documents only."""
    import pyarrow as pa

    from provenance.spark.arrow import arrow_schema

    target = arrow_schema(schema)
    for batch in batches:
        sets = shingle_sets([prepare(t) for t in batch.column("text").to_pylist()],
                            shingle_size)
        yield pa.RecordBatch.from_arrays(
            [batch.column("id").cast(pa.string()),
             pa.array([x.tobytes() for x in sets], pa.binary())], schema=target)


def _verify_partition(batches: Iterator, threshold: float, schema) -> Iterator:
    """The candidate pairs (with both sides' sets ``x``, ``y``) whose exact Jaccard
    (:func:`verify_exact`) reaches ``threshold``, with it as ``similarity``."""
    import pyarrow as pa

    from provenance.spark.arrow import arrow_schema

    target = arrow_schema(schema)
    keep_names = [f.name for f in target if f.name != "similarity"]
    for batch in batches:
        sims = np.array([verify_exact(x, y) for x, y in zip(
            batch.column("x").to_pylist(), batch.column("y").to_pylist(), strict=True)],
            dtype=np.float64)
        mask = sims >= threshold
        if not mask.any():
            continue
        kept = batch.select(keep_names).filter(pa.array(mask))
        yield pa.RecordBatch.from_arrays(
            [kept.column(name).cast(target.field(name).type) for name in keep_names]
            + [pa.array(sims[mask], pa.float64())], schema=target)


def holder_pairs(keys: np.ndarray, ids: list[str]) -> tuple[list[str], list[str]]:
    """The candidate pairs ``(a, b)`` of holders sorted by (key, rank): a key's holders, best
    first, pair as ``dedup.near_duplicates`` pairs them -- every pair, or above
    ``STAR_ABOVE`` holders a star on the best one."""
    a: list[str] = []
    b: list[str] = []
    if len(keys) == 0:
        return a, b
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(keys)]))
    for lo, hi in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(),
                      strict=True):
        group = ids[lo:hi]
        if len(group) > STAR_ABOVE:
            a.extend([group[0]] * (len(group) - 1))
            b.extend(group[1:])
        else:
            for i in range(len(group) - 1):
                a.extend([group[i]] * (len(group) - 1 - i))
                b.extend(group[i + 1:])
    return a, b


def _pair_partition(batches: Iterator, schema) -> Iterator:
    """``holder_pairs`` over a partition sorted by (key, rank); a key's holders may run over
    from one Arrow batch into the next, so the last key of a batch waits for the next one."""
    import pyarrow as pa

    from provenance.spark.arrow import arrow_schema

    target = arrow_schema(schema)
    keys = np.empty(0, dtype=np.int64)
    ids: list[str] = []

    def emit(k, i):
        a, b = holder_pairs(k, i)
        return pa.RecordBatch.from_arrays([pa.array(a, pa.string()), pa.array(b, pa.string())],
                                          schema=target)

    for batch in batches:
        keys = np.concatenate((keys, batch.column("key").to_numpy(zero_copy_only=False)))
        ids.extend(batch.column("id").to_pylist())
        if len(keys) == 0:
            continue
        last = int(np.flatnonzero(keys == keys[-1])[0])  # the last key's first holder
        if last > 0:
            yield emit(keys[:last], ids[:last])
            keys, ids = keys[last:], ids[last:]
    if len(keys):
        yield emit(keys, ids)


def _claimed_schema():
    from pyspark.sql import types as T

    return T.StructType([T.StructField("id", T.StringType()),
                         T.StructField("cluster", T.StringType()),
                         T.StructField("similarity", T.DoubleType()),
                         T.StructField("near_clusters", T.ArrayType(T.StringType()))])


def _claim(key, pdf_table):
    """``dedup.decide``'s walk over one component: its edges (a, b, similarity) with ranks."""
    c = columns(pdf_table)
    rank = {}
    for side in ("a", "b"):
        for node, r in zip(c[side], c[side + "_rank"], strict=True):
            rank[node] = (r["undated"], r["date"], r["neg_shingles"], r["content"], r["id"])
    order = sorted(rank, key=lambda n: rank[n])
    adjacent: dict[str, list[tuple[str, float]]] = {n: [] for n in order}
    for a, b, s in zip(c["a"], c["b"], c["similarity"], strict=True):
        adjacent[a].append((b, s))
        adjacent[b].append((a, s))
    owner: dict[str, str] = {}
    similarity: dict[str, float] = {}
    for node in order:
        if node in owner:
            continue
        owner[node] = node
        similarity[node] = 1.0
        for other, s in adjacent[node]:
            if other not in owner:
                owner[other] = node
                similarity[other] = s
    near: dict[str, set[str]] = {n: set() for n in order}
    for a, b in zip(c["a"], c["b"], strict=True):
        if owner[a] != owner[b]:
            near[a].add(owner[b])
            near[b].add(owner[a])
    return arrow_table({
        "id": order,
        "cluster": [owner[n] for n in order],
        "similarity": [similarity[n] for n in order],
        "near_clusters": [sorted(x for x in near[n] if x != owner[n]) for n in order],
    }, _claimed_schema())


def dedup(df, options: DedupOptions | None = None, *, verify: str | None = None,
          text_field: str | None = None, driver_edges: int = DRIVER_EDGES) -> DedupFrames:
    """Keep/drop decisions for the documents of ``df`` (an id, a text and the metadata
    columns, or the ``documents`` of :func:`provenance.spark.inputs.read_input`), equal to
    the local ``provenance.dedup.dedup`` on the same documents. ``verify``: ``"exact"`` keeps a
    candidate when the exact Jaccard of its shingle sets reaches the threshold, ``"estimate"``
    when the MinHash estimate does; None follows ``options.exact`` (exact by default, as
    locally), with the local engine's bands for each. ``driver_edges``: up to this many
    near-duplicate edges are walked in the driver (one job), more by components in Spark."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.spark.inputs import inputs_of

    options = options or DedupOptions()
    if verify is None:
        verify = "exact" if options.exact else "estimate"
    if isinstance(driver_edges, bool) or not isinstance(driver_edges, int) or driver_edges < 0:
        raise ConfigError(f"driver_edges must be a whole number >= 0, got {driver_edges!r}")
    if verify not in VERIFY:
        raise ConfigError(f"verify must be one of {', '.join(VERIFY)}, got {verify!r}")
    exact = verify == "exact"
    inputs = inputs_of(df, text_field)
    docs = inputs.documents
    bands, rows = lsh_bands(options.threshold, options.num_perm, exact)

    fields = [T.StructField("id", T.StringType()), T.StructField("path", T.StringType()),
              T.StructField("order", T.LongType()), T.StructField("shingles", T.LongType()),
              T.StructField("undated", T.BooleanType()), T.StructField("date", T.StringType()),
              T.StructField("content", T.StringType()),
              T.StructField("keys", T.ArrayType(T.LongType()))]
    side = "set" if exact else "sig"
    if not exact:
        fields.append(T.StructField("sig", T.ArrayType(T.IntegerType())))
    schema = T.StructType(fields)
    signed = docs.select("id", "text", "published", "path", "order").mapInArrow(
        lambda it: _sign_partition(it, options, bands, rows, exact, schema), schema)
    from pyspark import StorageLevel

    signed = signed.withColumn(
        "rank", F.struct("undated", "date", (-F.col("shingles")).alias("neg_shingles"),
                         "content", "id")).persist(StorageLevel.MEMORY_AND_DISK)

    # 2. candidates: band keys shuffled and sorted by (key, rank); a key's holders pair up in
    # rank order as near_duplicates pairs them (all pairs, or a star above STAR_ABOVE holders)
    held = (signed.select(F.explode("keys").alias("key"), "rank", "id")
            .repartition("key").sortWithinPartitions("key", "rank"))
    pair_schema = T.StructType([T.StructField("a", T.StringType()),
                                T.StructField("b", T.StringType())])
    pairs = held.select("key", "id").mapInArrow(
        lambda it: _pair_partition(it, pair_schema), pair_schema).dropDuplicates(["a", "b"])

    # 3. verify: both sides' sets (or signatures) and ranks joined to the pairs;
    # up to driver_edges candidate documents are broadcast, so only theirs move. Exact: the
    # shingle sets are built here, from the texts of the candidate documents alone
    pairs = pairs.persist(StorageLevel.MEMORY_AND_DISK)
    nodes = pairs.select(F.col("a").alias("id")).unionByName(
        pairs.select(F.col("b").alias("id"))).distinct()
    few = nodes.count() <= driver_edges
    candidates = F.broadcast(nodes) if few else nodes
    if exact:
        set_schema = T.StructType([T.StructField("id", T.StringType()),
                                   T.StructField("set", T.BinaryType())])
        size = options.shingle_size
        values = (docs.select("id", "text").join(candidates, "id", "left_semi")
                  .mapInArrow(lambda it: _set_partition(it, size, set_schema), set_schema)
                  .join(signed.select("id", "rank").join(candidates, "id", "left_semi"),
                        "id"))
    else:
        values = signed.select("id", side, "rank")
        if few:
            values = values.join(candidates, "id", "left_semi")
    values = values.persist(StorageLevel.DISK_ONLY)  # exact: the candidates' sets, large
    joined = (pairs.join(values.select(F.col("id").alias("a"), F.col(side).alias("x"),
                                       F.col("rank").alias("a_rank")), "a")
              .join(values.select(F.col("id").alias("b"), F.col(side).alias("y"),
                                  F.col("rank").alias("b_rank")), "b"))
    if exact:  # |x & y| / |x | y| of the sets' bytes, in Python (verify_exact)
        rank_type = signed.schema["rank"].dataType
        edge_schema = T.StructType([T.StructField("a", T.StringType()),
                                    T.StructField("b", T.StringType()),
                                    T.StructField("a_rank", rank_type),
                                    T.StructField("b_rank", rank_type),
                                    T.StructField("similarity", T.DoubleType())])
        threshold = options.threshold
        edges = joined.select("a", "b", "a_rank", "b_rank", "x", "y").mapInArrow(
            lambda it: _verify_partition(it, threshold, edge_schema), edge_schema)
    else:  # the share of equal slots, as verify_estimate, in the JVM
        equal = F.aggregate(F.zip_with("x", "y", lambda p, q: F.when(p == q, 1).otherwise(0)),
                            F.lit(0), lambda acc, v: acc + v)
        similarity = equal.cast("double") / F.size("x").cast("double")
        edges = (joined.select("a", "b", "a_rank", "b_rank", similarity.alias("similarity"))
                 .where(F.col("similarity") >= options.threshold))
    edges = edges.persist(StorageLevel.MEMORY_AND_DISK)

    # 4. the claim walk: in the driver up to driver_edges edges, else one task per component
    count = edges.count()
    if count <= driver_edges:
        import pyarrow as pa

        got = (edges.select("a", "b", "similarity", "a_rank", "b_rank").toArrow() if count
               else None)
        claimed = _claim(None, got) if count else pa.Table.from_pylist(
            [], schema=arrow_schema(_claimed_schema()))
        walked = docs.sparkSession.createDataFrame(claimed, _claimed_schema())
    else:
        from provenance.spark.components import components

        comp = components(edges)
        walked = (edges.join(comp.select(F.col("node").alias("a"), "component"), "a")
                  .groupBy("component")
                  .applyInArrow(_claim, _claimed_schema()))

    # 5. every document's decision, in input order
    out = (signed.select("id", "path", "order", "shingles").join(walked, "id", "left")
           .select("id",
                   (F.coalesce("cluster", "id") == F.col("id")).alias("keep"),
                   F.coalesce("cluster", "id").alias("cluster"),
                   F.coalesce("cluster", "id").alias("representative"),
                   F.coalesce("similarity", F.lit(1.0)).alias("similarity"),
                   "shingles",
                   F.coalesce("near_clusters", F.array().cast("array<string>"))
                   .alias("near_clusters"),
                   "path", "order"))
    return DedupFrames(out, inputs.skipped, edges.select("a", "b", "similarity"))
