"""``scan``'s near-duplicate collapse on Spark, equal to the local one.

``scan`` treats a near-duplicate cluster (pairs at Jaccard >= ``NEAR_DUPLICATE``, joined
transitively) of more than ``COLLAPSE_AT`` documents -- one wire story run everywhere -- as one
story: its representative alone takes part in the templates, the passages and the whole
copies, and its copies come back in the families (each family holding the representative is
expanded to them, and the cluster is a family of its own: ``spark.families``). The
representative is the earliest published (``date_info``, as ``scan`` dates its documents), then
the longest text, then the smallest id.

The plan: the close pairs' connected components (``spark.components``: it grows with the
near-duplicates, not the corpus; fewer than ``COLLAPSE_AT`` close pairs cannot make such a
cluster, and then nothing runs); the members of the large clusters dated in partitions (only
they are segmented); the best rank of each cluster (one shuffle); each copy's Jaccard with its
representative from the close pairs, or ``NEAR_DUPLICATE`` when they are linked through others.
"""

from __future__ import annotations

from collections.abc import Iterator

from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns

__all__ = ["COPY_COLUMNS", "near_duplicate_copies"]

COPY_COLUMNS = ("rep", "id", "jaccard")


def _rank_partition(batches: Iterator, dayfirst, clutter_bc, schema) -> Iterator:
    from provenance.scan import representative_rank
    from provenance.spark.clutter import document_sentences
    from provenance.trace.dates import date_info

    clutter = clutter_bc.value if clutter_bc is not None else None
    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {k: [] for k in schema.fieldNames()}
        for doc, text, outlet, url, published, cluster in zip(
                c["id"], c["text"], c["outlet"], c["url"], c["published"], c["cluster"],
                strict=True):
            sents = document_sentences(doc, text, outlet, url, clutter)
            info = date_info(published, list(sents), dayfirst=dayfirst)
            undated, stamp, neg_length = representative_rank(info.published, text)
            for k, v in (("id", doc), ("cluster", cluster), ("undated", undated),
                         ("stamp", stamp), ("neg_length", neg_length)):
                out[k].append(v)
        yield from arrow_batches(out, schema)


def near_duplicate_copies(inputs, pairs_df, *, dayfirst: bool | None = None,
                          clutter: frozenset | None = None):
    """``(rep, id, jaccard)``: every copy of a near-duplicate cluster of more than
    ``COLLAPSE_AT`` documents among ``inputs``' documents (``pairs_df``: ``spark.pairs``'
    columns), with its representative and their Jaccard, as ``scan._near_duplicate_copies``
    gives them; None when there is no such cluster. ``clutter``: the sites' clutter lines, left
    out of the sentences the dates are read from, as ``scan`` leaves them out."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.scan import COLLAPSE_AT
    from provenance.spark.clutter import with_site
    from provenance.spark.components import components
    from provenance.trace.graph import NEAR_DUPLICATE

    close = (pairs_df.where(F.col("jaccard") >= NEAR_DUPLICATE).select("a", "b", "jaccard")
             .persist(StorageLevel.MEMORY_AND_DISK))
    if close.count() < COLLAPSE_AT:  # a cluster of COLLAPSE_AT + 1 needs COLLAPSE_AT pairs
        close.unpersist()
        return None
    comp = components(close).select(F.col("node").alias("id"),
                                    F.col("component").alias("cluster"))
    large = (comp.groupBy("cluster").count().where(F.col("count") > COLLAPSE_AT)
             .select("cluster"))
    members = comp.join(large, "cluster").localCheckpoint()
    if members.isEmpty():
        close.unpersist()
        return None
    docs = inputs.documents
    chosen = with_site(docs, "published").join(members, "id")
    spark = docs.sparkSession
    clutter_bc = spark.sparkContext.broadcast(clutter) if clutter else None
    schema = T.StructType([T.StructField("id", T.StringType()),
                           T.StructField("cluster", T.StringType()),
                           T.StructField("undated", T.BooleanType()),
                           T.StructField("stamp", T.LongType()),
                           T.StructField("neg_length", T.LongType())])
    ranked = chosen.mapInArrow(lambda it: _rank_partition(it, dayfirst, clutter_bc, schema),
                               schema)
    best = (ranked.groupBy("cluster")
            .agg(F.min(F.struct("undated", "stamp", "neg_length", "id")).alias("best"))
            .select("cluster", F.col("best.id").alias("rep")))
    copies = members.join(best, "cluster").where(F.col("id") != F.col("rep"))
    pair = [F.least("rep", "id").alias("a"), F.greatest("rep", "id").alias("b")]
    found = (copies.select("rep", "id", *pair)
             .join(close, ["a", "b"], "left")
             .select("rep", "id", F.coalesce("jaccard", F.lit(NEAR_DUPLICATE)).alias("jaccard"))
             .localCheckpoint())
    close.unpersist()
    return found
