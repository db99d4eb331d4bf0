"""Near-duplicate decisions on Spark, equal to the local ``provenance.dedup.dedup``.

The plan, one named step per shuffle:

1. **sign** (no shuffle): each partition signs its documents straight from their bytes with the
   library's compiled kernel (``signatures.sign_bytes``) and computes what ranks them (parsed
   ``published`` date, shingle count, the content hash of ``dedup._ranking``, the id) and
   their LSH band keys (``candidates.band_keys`` with ``dedup``'s own bands and rows).
2. **candidates** (shuffle 1: band keys): keys are exploded and grouped; a key's holders,
   sorted by rank, pair up as ``dedup.near_duplicates`` pairs them (all pairs, or a star on the
   best-ranked holder above 32 holders); pairs are made unique.
3. **verify** (shuffles 2-3: the pairs joined with both sides' signatures, or shingle sets):
   in partitions, by :func:`verify_estimate` (share of equal signature slots, the local rule) or
   :func:`verify_exact` (Jaccard of the shingle-hash sets); pairs at or above the threshold stay.
4. **components** (a few shuffles of the near-duplicate edges only): connected components.
5. **claim** (shuffle: edges by component): each component's ranked documents are walked as
   ``dedup.decide`` walks them (a document not yet claimed becomes a representative and claims
   its near-duplicates), in a partition; ``near_clusters`` from the edges across clusters.
6. **decisions**: every document, in input order; those in no pair keep themselves.

Nothing is collected to the driver. What grows with the corpus: the band-key shuffle (bands x
documents keys), the signatures (or shingle sets) joined to the candidates, and the
near-duplicate edges; one component's edges are held by one task.
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
from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns
from provenance.spark.arrow import table as arrow_table

__all__ = ["DECISION_COLUMNS", "VERIFY", "DedupFrames", "dedup", "shingle_sets",
           "verify_estimate", "verify_exact"]

VERIFY = ("estimate", "exact")
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


def _sign_partition(batches: Iterator, options: DedupOptions, bands: int, rows: int,
                    exact: bool, schema) -> Iterator:
    from provenance.read.dates import parse_date

    for batch in batches:
        c = columns(batch)
        chunks = [prepare(t) for t in c["text"]]
        sigs, counts = sign_bytes(chunks, options.shingle_size, options.num_perm,
                                  options.seed, options.engine)
        live = ~(sigs == EMPTY).all(axis=1)
        keys = band_keys(sigs, bands, rows).view(np.int64)
        dates = []
        for value in c["published"]:
            when = parse_date(value)[0] if value else None
            dates.append(when.isoformat() if when else "")
        out = {
            "id": c["id"], "path": c["path"], "order": c["order"],
            "shingles": counts.tolist(),
            "undated": [d == "" for d in dates], "date": dates,
            "content": [f"{x:016x}" for x in _content(sigs).tolist()],
            "sig": [s.tobytes() for s in sigs],
            "keys": [k.tolist() if ok else [] for k, ok in zip(keys, live, strict=True)],
        }
        if exact:
            out["set"] = [s.tobytes() for s in shingle_sets(chunks, options.shingle_size)]
        yield from arrow_batches(out, schema)


def _verify_partition(batches: Iterator, exact: bool, threshold: float, schema) -> Iterator:
    check = verify_exact if exact else verify_estimate
    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {"a": [], "b": [], "similarity": []}
        for a, b, x, y in zip(c["a"], c["b"], c["x"], c["y"], strict=True):
            s = check(x, y)
            if s >= threshold:
                out["a"].append(a)
                out["b"].append(b)
                out["similarity"].append(s)
        yield from arrow_batches(out, schema)


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
          text_field: str | None = None) -> DedupFrames:
    """Keep/drop decisions for the documents of ``df`` (an id, a text and the metadata
    columns, or the ``documents`` of :func:`provenance.spark.inputs.read_input`), equal to
    the local ``provenance.dedup.dedup`` on the same documents. ``verify``: ``"exact"`` keeps a
    candidate when the exact Jaccard of its shingle sets reaches the threshold, ``"estimate"``
    when the MinHash estimate does; None follows ``options.exact`` (exact by default, as
    locally), with the local engine's bands for each."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.spark.components import components
    from provenance.spark.inputs import DOCUMENT_COLUMNS, Inputs, documents

    options = options or DedupOptions()
    if verify is None:
        verify = "exact" if options.exact else "estimate"
    if verify not in VERIFY:
        raise ConfigError(f"verify must be one of {', '.join(VERIFY)}, got {verify!r}")
    exact = verify == "exact"
    inputs = df if isinstance(df, Inputs) else None
    if inputs is None:
        if set(DOCUMENT_COLUMNS) <= set(df.columns):
            inputs = Inputs(df.select(*DOCUMENT_COLUMNS),
                            df.sparkSession.createDataFrame(
                                [], "path string, reason string, order long"))
        else:
            inputs = documents(df, text_field=text_field)
    docs = inputs.documents
    bands, rows = lsh_bands(options.threshold, options.num_perm, exact)

    fields = [T.StructField("id", T.StringType()), T.StructField("path", T.StringType()),
              T.StructField("order", T.LongType()), T.StructField("shingles", T.LongType()),
              T.StructField("undated", T.BooleanType()), T.StructField("date", T.StringType()),
              T.StructField("content", T.StringType()), T.StructField("sig", T.BinaryType()),
              T.StructField("keys", T.ArrayType(T.LongType()))]
    if exact:
        fields.append(T.StructField("set", T.BinaryType()))
    schema = T.StructType(fields)
    signed = docs.select("id", "text", "published", "path", "order").mapInArrow(
        lambda it: _sign_partition(it, options, bands, rows, exact, schema), schema)
    from pyspark import StorageLevel

    signed = signed.withColumn(
        "rank", F.struct("undated", "date", (-F.col("shingles")).alias("neg_shingles"),
                         "content", "id")).persist(StorageLevel.MEMORY_AND_DISK)

    # 2. candidates: band keys grouped; holders sorted by rank pair as near_duplicates pairs them
    held = signed.select(F.explode("keys").alias("key"), F.struct("rank", "id").alias("m"))
    groups = (held.groupBy("key").agg(F.array_sort(F.collect_set("m")).alias("ms"))
              .where(F.size("ms") > 1))
    star = F.transform(F.slice("ms", 2, F.size("ms")), lambda x: F.struct(
        F.col("ms")[0].alias("p"), x.alias("q")))
    every = F.flatten(F.transform(F.sequence(F.lit(0), F.size("ms") - 2), lambda i: F.transform(
        F.slice("ms", i + 2, F.size("ms")), lambda x: F.struct(
            F.element_at("ms", i + 1).alias("p"), x.alias("q")))))
    pairs = groups.select(F.explode(F.when(F.size("ms") > STAR_ABOVE, star)
                                    .otherwise(every)).alias("pq"))
    pairs = pairs.select(F.col("pq.p.id").alias("a"), F.col("pq.q.id").alias("b"),
                         F.col("pq.p.rank").alias("a_rank"),
                         F.col("pq.q.rank").alias("b_rank")).dropDuplicates(["a", "b"])

    # 3. verify in partitions
    side = "set" if exact else "sig"
    values = signed.select("id", side)
    joined = (pairs.join(values.select(F.col("id").alias("a"), F.col(side).alias("x")), "a")
              .join(values.select(F.col("id").alias("b"), F.col(side).alias("y")), "b"))
    verified_schema = T.StructType([T.StructField("a", T.StringType()),
                                    T.StructField("b", T.StringType()),
                                    T.StructField("similarity", T.DoubleType())])
    verified = joined.select("a", "b", "x", "y").mapInArrow(
        lambda it: _verify_partition(it, exact, options.threshold, verified_schema),
        verified_schema)
    edges = verified.join(pairs.select("a", "b", "a_rank", "b_rank"), ["a", "b"])
    edges = edges.persist(StorageLevel.MEMORY_AND_DISK)

    # 4-5. components, then the claim walk per component
    comp = components(edges)
    walked = (edges.join(comp.select(F.col("node").alias("a"), "component"), "a")
              .groupBy("component")
              .applyInArrow(_claim, _claimed_schema()))

    # 6. every document's decision, in input order
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
