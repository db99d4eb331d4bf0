"""Connected components of an edge DataFrame, in Spark (no GraphFrames).

Alternating large-star / small-star rounds (Kiveris et al., "Connected Components in MapReduce
and Beyond", SoCC 2014): every node ends up pointing at the smallest id of its component, in
O(log^2 n) rounds; each round is a few shuffles of the edges. The rounds stop when the edges
form one star per component (checked exactly, one job) -- near-duplicate groups mostly are
stars already (pairs, or copies of one text), so most runs need no round at all. Only the
edges of near-duplicate pairs enter, so what is shuffled grows with the number of
near-duplicates, not the corpus.
"""

from __future__ import annotations

__all__ = ["components"]


def _is_star_forest(edges) -> bool:
    """Every node has at most one parent (edges run parent ``u`` < child ``v``), and no
    parent is a child: each component is then one star around its smallest node. One job."""
    from pyspark.sql import functions as F

    ends = (edges.select(F.col("u").alias("n"), F.lit(0).alias("child"),
                         F.lit(1).alias("parent"))
            .unionByName(edges.select(F.col("v").alias("n"), F.lit(1).alias("child"),
                                      F.lit(0).alias("parent"))))
    bad = (ends.groupBy("n").agg(F.sum("child").alias("c"), F.max("parent").alias("p"))
           .where((F.col("c") > 1) | ((F.col("c") >= 1) & (F.col("p") == 1))))
    return bad.isEmpty()


def components(edges, src: str = "a", dst: str = "b", max_rounds: int = 200):
    """``(node, component)`` for every node of ``edges`` (undirected); the component is the
    smallest node id in it."""
    from pyspark.sql import functions as F

    e = edges.select(F.col(src).alias("u"), F.col(dst).alias("v")).where("u != v")
    e = e.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v")).distinct()
    e = e.localCheckpoint()
    for _ in range(max_rounds):
        if _is_star_forest(e):
            break
        # large star: each node u links its larger neighbors to the smallest of N(u) + u
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.min("v").alias("m"))
        large = (both.join(m, "u").select("u", "v", F.least("u", "m").alias("m"))
                 .where(F.col("v") > F.col("u"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())
        # small star: each node u links its smaller-or-equal neighbors to the smallest of them
        directed = large.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
        m2 = directed.groupBy("u").agg(F.min("v").alias("m"))
        small = (directed.join(m2, "u")
                 .select(F.col("v").alias("a"), F.col("m").alias("b"), F.col("u").alias("c")))
        nxt = (small.select(F.col("a").alias("u"), F.col("b").alias("v"))
               .unionByName(small.select(F.col("c").alias("u"), F.col("b").alias("v")))
               .where("u != v")
               .select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v"))
               .distinct().localCheckpoint())
        e = nxt
    else:  # pragma: no cover - a round limit this high is never met on real data
        raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
    nodes = e.select(F.col("v").alias("node"), F.col("u").alias("parent"))
    star = nodes.groupBy("node").agg(F.min("parent").alias("component"))
    roots = e.select(F.col("u").alias("node")).distinct().join(
        star.select("node"), "node", "left_anti").withColumn("component", F.col("node"))
    return star.unionByName(roots)
