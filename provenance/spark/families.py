"""Reuse families on Spark, equal to the local engine's (``trace.families.build_families``).

A family is a connected piece of the graph of passage occurrences (document, span): each
passage links its two sides, and overlapping occurrences of one document merge
(``build_families``' own rule: by at least half of the shorter one, and text both partners
carry). The plan:

1. *occurrences* (shuffle 1, by document): both sides of every passage; in each document the
   sides are swept in start order and a side that starts before the running end of the ones
   before it joins their *piece* (any overlap at all). A piece holds every occurrence the local
   rule merges -- a merge needs an overlap -- and maybe more (two occurrences overlapping by a
   sentence stay apart locally, not here): the pieces are coarser than the local occurrences,
   never finer. A piece's node id is a 64-bit hash of (document, piece number); two pieces
   that collide only put two unrelated groups into one task, which the next step separates.
2. *groups* (components: a few shuffles of the edges): each passage is an edge between the
   pieces of its two sides; ``spark.components`` (large-star/small-star) labels each piece with
   its connected group. A group is a union of whole local families.
3. *evidence* (map only, once per document that has a passage or is in a collapsed
   near-duplicate cluster): sentences, attributions and the publication date
   (``attributions``, ``date_info``), as the local engine takes them.
4. *families* (shuffle: passages and documents cogrouped by group): ``build_families`` itself
   runs on each group -- its documents, passages (in ``find_passages``' order), attributions
   and dates, and the copies of the representatives among its documents (``copies``, which
   ``scan`` left out of its passages: ``spark.copies``) -- inside one task, so the merging,
   expansion to copies, origins, trees and reasons are the local code's. Each collapsed
   cluster is a family of its own, built from its documents alone (one more shuffle, by
   representative). Nothing is collected to the driver.
5. *ids* (one sort of the families): the local engine numbers families ``f1, f2, ...`` over the
   whole corpus by (size descending, first member in time order, smallest member id, smallest
   member start), ties in the order its occurrence groups were found (their smallest
   document, then that document's start; the collapsed clusters' families last); the same key
   here, ranked by a distributed sort (partition offsets from one count per partition).

**Outlet flows** are sums over families: each family's own ``outlet_flows`` (the local
function, in partitions) is added up by (source, target) -- counts summed, first and last
dates by min and max -- and sorted as locally.

What is equal to what: ``families(df, config)`` is ``build_families(documents, passages,
attributions, dates, copies)`` over ``scan``'s passages (``spark.templates.scan_passages``: the
templates it learns, its whole copies, its collapsed clusters) or the ``passages`` (and
``copies``) given, with each document's ``attributions(doc, sentences)`` and
``date_info(doc.published, sentences, dayfirst=...)``, its sites' clutter lines marked in the
sentences as ``scan`` marks them (``spark.clutter``): ``analyze``'s families (``scan``/``trace``)
on its LSH road.

Cost: one task holds one group -- all its documents' texts and passages (and its
representatives' copies). A family of 100,000 members is one task of 100,000 texts (about 500
MB of 600-word text) and ``build_families``' linear road for families above ``TREE_LIMIT``
members.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from provenance.documents import METADATA_FIELDS
from provenance.options import ScanOptions
from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns, table

__all__ = ["CHURN_COLUMNS", "FAMILY_COLUMNS", "FLOW_COLUMNS", "FamilyFrames", "churnalism",
           "families", "outlet_flows"]

FAMILY_COLUMNS = ("id", "size", "text", "origin", "first_published", "last_published",
                  "outlets", "members")
FLOW_COLUMNS = ("source", "target", "passages", "credited", "first", "last")
CHURN_COLUMNS = ("doc", "share", "sources")
_KEYS = ("neg_size", "first_doc", "min_doc", "min_start", "cluster", "min_doc_start")


def _family_fields() -> list:
    from pyspark.sql import types as T

    S, L = T.StringType(), T.LongType()  # noqa: N806
    origin = T.StructType([T.StructField(k, S) for k in ("kind", "doc", "name", "reason")])
    member = T.StructType([
        T.StructField("doc", S), T.StructField("start", L), T.StructField("end", L),
        T.StructField("outlet", S), T.StructField("published", S), T.StructField("credits", S),
        T.StructField("quoted", T.BooleanType()), T.StructField("speaker", S),
        T.StructField("parent", S), T.StructField("relation", S),
        T.StructField("confidence", T.DoubleType()),
        T.StructField("reasons", T.ArrayType(S))])
    return [T.StructField("id", S), T.StructField("size", L), T.StructField("text", S),
            T.StructField("origin", origin), T.StructField("first_published", S),
            T.StructField("last_published", S), T.StructField("outlets", T.ArrayType(S)),
            T.StructField("members", T.ArrayType(member))]


def _built_schema():
    from pyspark.sql import types as T

    keys = [T.StructField("comp", T.LongType()), T.StructField("k", T.LongType()),
            T.StructField("neg_size", T.LongType()), T.StructField("first_doc", T.StringType()),
            T.StructField("min_doc", T.StringType()), T.StructField("min_start", T.LongType()),
            T.StructField("cluster", T.BooleanType()),
            T.StructField("min_doc_start", T.LongType())]
    return T.StructType(keys + _family_fields())


@dataclass(frozen=True)
class FamilyFrames:
    """``families``: one row per family, ``Family.to_dict()``'s fields (``FAMILY_COLUMNS``),
    ids as the local engine numbers them; ``outlet_flows``: ``OutletFlow.to_dict()``'s fields;
    ``passages``: the passages they were built from; ``skipped``: the rows not read;
    ``churnalism``: :func:`churnalism`'s rows, one per document."""

    families: object
    outlet_flows: object
    passages: object
    skipped: object
    churnalism: object = None


def _evidence_partition(batches: Iterator, dayfirst, clutter_bc, schema) -> Iterator:
    """Each document's attributions and date, as the local engine takes them (JSON)."""
    from dataclasses import asdict

    from provenance.documents import Document
    from provenance.spark.clutter import document_sentences
    from provenance.trace.attribution import attributions
    from provenance.trace.dates import date_info

    clutter = clutter_bc.value if clutter_bc is not None else None
    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {f.name: [] for f in schema.fields}
        for i, doc_id in enumerate(c["id"]):
            doc = Document(id=doc_id, text=c["text"][i],
                           **{k: c[k][i] for k in METADATA_FIELDS})
            sents = document_sentences(doc.id, doc.text, doc.outlet, doc.url, clutter)
            for k in ("id", "text", *METADATA_FIELDS):
                out[k].append(c[k][i])
            out["atts"].append(json.dumps([a.to_dict() for a in attributions(doc, sents)]))
            out["date"].append(json.dumps(asdict(date_info(doc.published, list(sents),
                                                           dayfirst=dayfirst))))
        yield from arrow_batches(out, schema)


def _group_input(docs_table):
    """A group's documents, attributions, dates and the copies of its representatives
    (``copy_of``, ``copy_jaccard``: set on a copy's row)."""
    from provenance.documents import Document
    from provenance.trace.attribution import Attribution
    from provenance.trace.dates import DateInfo

    d = columns(docs_table)
    docs, atts, dates, copies = [], [], {}, {}
    for i, doc_id in enumerate(d["id"]):
        docs.append(Document(id=doc_id, text=d["text"][i],
                             **{k: d[k][i] for k in METADATA_FIELDS}))
        atts += [Attribution(**a) for a in json.loads(d["atts"][i])]
        dates[doc_id] = DateInfo(**json.loads(d["date"][i]))
        if d["copy_of"][i] is not None:
            copies.setdefault(d["copy_of"][i], []).append((doc_id, d["copy_jaccard"][i]))
    docs.sort(key=lambda x: x.id)
    return docs, atts, dates, {rep: sorted(dups) for rep, dups in copies.items()}


def _rows(built, comp: int, cluster: bool, schema):
    """``build_families``' families as rows, with the keys the ids are ranked by."""
    out: dict[str, list] = {f.name: [] for f in schema.fields}
    for k, f in enumerate(built):
        min_doc = min(m.doc for m in f.members)
        row = f.to_dict()
        for name, value in (("comp", comp), ("k", k), ("neg_size", -f.size),
                            ("first_doc", f.members[0].doc), ("min_doc", min_doc),
                            ("min_start", min(m.start for m in f.members)),
                            ("cluster", cluster),
                            ("min_doc_start", next(m.start for m in f.members
                                                   if m.doc == min_doc))):
            row[name] = value
        for name in out:
            out[name].append(row[name])
    return table(out, schema)


def _family_group(passages_table, docs_table, schema):
    """``build_families`` on one group: its passages and its documents with their evidence,
    each representative's members expanded to its copies."""
    from provenance.passages.finder import Passage
    from provenance.trace.families import build_families

    p = columns(passages_table)
    if not p["a"] or not docs_table.num_rows:
        return _rows([], 0, False, schema)
    fields = ("a", "b", "a_start", "a_end", "b_start", "b_end", "a_text", "b_text", "score",
              "kind", "quoted", "quote")
    found = sorted((Passage(*(p[k][i] for k in fields)) for i in range(len(p["a"]))),
                   key=lambda x: (x.a, x.b, x.a_start, x.b_start))
    docs, atts, dates, copies = _group_input(docs_table)
    return _rows(build_families(docs, found, atts, dates, copies, clusters=False),
                 p["group"][0], False, schema)


def _cluster_family(key, docs_table, schema):
    """A collapsed near-duplicate cluster's own family: its representative and copies."""
    from provenance.trace.families import build_families

    docs, atts, dates, copies = _group_input(docs_table)
    return _rows(build_families(docs, [], atts, dates, copies), 0, True, schema)


def families(df, options: ScanOptions | None = None, *, passages=None,
             text_field: str | None = None, clutter: frozenset | None = None,
             copies=None) -> FamilyFrames:
    """The reuse families of ``df`` (documents: ``id``, ``text`` and the metadata columns, or
    an ``Inputs``), as ``build_families`` builds them from ``find_passages``' passages.
    ``passages``: a passages DataFrame already computed (``Passage.to_dict()``'s columns,
    ``spark.passages(df).passages``); by default they are found here. ``clutter``: the sites'
    clutter lines (``spark.clutter.site_clutter``, or ``scan_passages``' ``clutter``), left out
    of the evidence; by default found here. ``copies``: the near-duplicates left out of the
    passages (``spark.copies.near_duplicate_copies``' ``rep``, ``id``, ``jaccard``, or
    ``scan_passages``' ``copies``): each family holding a representative is expanded to its
    copies, and each cluster is a family of its own, as ``build_families`` does with
    ``copies``; with ``passages=None``, those ``scan_passages`` collapses."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.spark.clutter import site_clutter
    from provenance.spark.components import components
    from provenance.spark.inputs import inputs_of
    from provenance.spark.passages import PASSAGE_COLUMNS
    from provenance.spark.templates import scan_passages

    config = options or ScanOptions()
    inputs = inputs_of(df, text_field)
    if passages is None:  # scan's: with the templates it learns and its whole copies
        scanned = scan_passages(inputs, config)
        passages, clutter, copies = scanned.frames.passages, scanned.clutter, scanned.copies
    elif clutter is None:
        clutter = site_clutter(inputs)
    found = passages.select(*PASSAGE_COLUMNS).persist(StorageLevel.MEMORY_AND_DISK)
    spark = inputs.documents.sparkSession
    clutter_bc = spark.sparkContext.broadcast(clutter) if clutter else None

    # 1. occurrences -> pieces: a side joins the piece of the sides before it (in start order)
    # when it starts before their running end
    sides = (found.select(F.col("a").alias("doc"), F.col("a_start").alias("start"),
                          F.col("a_end").alias("end"))
             .unionByName(found.select(F.col("b").alias("doc"), F.col("b_start").alias("start"),
                                       F.col("b_end").alias("end")))
             .distinct())
    ordered = Window.partitionBy("doc").orderBy("start", "end")
    before = F.max("end").over(ordered.rowsBetween(Window.unboundedPreceding, -1))
    opens = (before.isNull() | (F.col("start") >= before)).cast("long")
    sides = sides.withColumn("opens", opens).withColumn(
        "piece", F.xxhash64("doc", F.sum("opens").over(
            ordered.rowsBetween(Window.unboundedPreceding, Window.currentRow))))
    sides = sides.select("doc", "start", "end", "piece").persist(StorageLevel.MEMORY_AND_DISK)

    # 2. groups: passages are edges between pieces
    def piece(side: str):
        return sides.select(F.col("doc").alias(side), F.col("start").alias(f"{side}_start"),
                            F.col("end").alias(f"{side}_end"), F.col("piece").alias(f"{side}_p"))

    edges = (found.select("a", "b", "a_start", "a_end", "b_start", "b_end")
             .join(piece("a"), ["a", "a_start", "a_end"])
             .join(piece("b"), ["b", "b_start", "b_end"]))
    comp = components(edges.select("a_p", "b_p"), "a_p", "b_p").select(
        F.col("node").alias("piece"), F.col("component").alias("comp"))
    # a passage whose two sides share one piece (never between two documents) still counts
    comp = comp.unionByName(sides.select("piece", F.col("piece").alias("comp"))
                            .join(comp.select("piece"), "piece", "left_anti").distinct())
    comp = comp.localCheckpoint()  # computed once, used by both sides of the cogroup
    in_group = (found.join(piece("a").select("a", "a_start", "a_end", "a_p"),
                           ["a", "a_start", "a_end"])
                .join(comp.select(F.col("piece").alias("a_p"), "comp"), "a_p")
                .select(F.col("comp").alias("group"), *PASSAGE_COLUMNS))
    members = sides.join(comp, "piece").select(F.col("doc").alias("id"), "comp").distinct()

    # 3. evidence, once per document that has a passage or is in a collapsed cluster
    meta = ["id", "text", *METADATA_FIELDS]
    ids = members.select("id")
    if copies is not None:
        copies = copies.select("rep", "id", "jaccard")
        ids = ids.unionByName(copies.select("id")).unionByName(
            copies.select(F.col("rep").alias("id")))
    involved = inputs.documents.select(*meta).join(ids.distinct(), "id", "left_semi")
    ev_schema = T.StructType([T.StructField(k, T.StringType())
                              for k in (*meta, "atts", "date")])
    dayfirst = config.dayfirst
    evidence = involved.mapInArrow(lambda it: _evidence_partition(it, dayfirst, clutter_bc,
                                                                  ev_schema),
                                   ev_schema)
    none = [F.lit(None).cast("string").alias("copy_of"),
            F.lit(None).cast("double").alias("copy_jaccard")]
    group_docs = members.select("id", "comp", *none)
    if copies is not None:  # evidence used twice: by the groups and by the clusters
        evidence = evidence.persist(StorageLevel.MEMORY_AND_DISK)
        group_docs = group_docs.unionByName(
            members.join(copies.withColumnRenamed("id", "copy"), F.col("id") == F.col("rep"))
            .select(F.col("copy").alias("id"), "comp", F.col("rep").alias("copy_of"),
                    F.col("jaccard").alias("copy_jaccard")).distinct())
    group_docs = group_docs.join(evidence, "id").select(
        F.col("comp").alias("group"), *ev_schema.fieldNames(), "copy_of", "copy_jaccard")

    # 4. build_families per group; a collapsed cluster is a family of its own
    out_schema = _built_schema()
    built = (in_group.groupBy("group").cogroup(group_docs.groupBy("group"))
             .applyInArrow(lambda left, right: _family_group(left, right, out_schema),
                           out_schema))
    if copies is not None:
        cluster_docs = (copies.select("rep", "id", F.col("rep").alias("copy_of"),
                                      F.col("jaccard").alias("copy_jaccard"))
                        .unionByName(copies.select("rep", F.col("rep").alias("id"), *none)
                                     .distinct())
                        .join(evidence, "id"))
        built = built.unionByName(cluster_docs.groupBy("rep").applyInArrow(
            lambda key, docs: _cluster_family(key, docs, out_schema), out_schema))

    # 5. ids: the local order, ranked by a distributed sort
    keyed = (built.orderBy(*_KEYS, "comp", "k").withColumn("pid", F.spark_partition_id())
             .localCheckpoint())
    counts = sorted((r["pid"], r["count"]) for r in keyed.groupBy("pid").count().collect())
    offsets, total = [], 0
    for pid, n in counts:
        offsets.append((pid, total))
        total += n
    offset = spark.createDataFrame(offsets or [(0, 0)], "pid int, offset long")
    rank = F.row_number().over(Window.partitionBy("pid").orderBy(*_KEYS, "comp", "k"))
    numbered = (keyed.join(F.broadcast(offset), "pid")
                .withColumn("n", F.col("offset") + rank)
                .withColumn("id", F.concat(F.lit("f"), F.col("n").cast("string"))))
    fams = numbered.select("n", *FAMILY_COLUMNS).persist(StorageLevel.MEMORY_AND_DISK)
    return FamilyFrames(fams.orderBy("n").drop("n"), outlet_flows(fams), found,
                        inputs.skipped, churnalism(fams, inputs.documents))


def _family_rows(batch):
    """The ``Family`` of each row of a batch of ``FAMILY_COLUMNS``."""
    from provenance.trace.families import Family, Member, Origin

    c = columns(batch)
    for i in range(len(c["id"])):
        members = tuple(Member(**{**m, "reasons": tuple(m["reasons"])})
                        for m in c["members"][i])
        yield Family(c["id"][i], members, c["text"][i], Origin(**c["origin"][i]),
                     c["first_published"][i], c["last_published"][i])


def _flow_partition(batches: Iterator, schema) -> Iterator:
    from provenance.trace.families import outlet_flows as local_flows

    for batch in batches:
        out: dict[str, list] = {k: [] for k in FLOW_COLUMNS}
        for family in _family_rows(batch):
            for flow in local_flows([family]):
                for k, v in flow.to_dict().items():
                    out[k].append(v)
        yield from arrow_batches(out, schema)


def outlet_flows(families_df):
    """The outlet flows of a families DataFrame (``families(...).families``), as
    ``trace.families.outlet_flows`` gives them: each family's flows in partitions, summed."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    schema = T.StructType([T.StructField("source", T.StringType()),
                           T.StructField("target", T.StringType()),
                           T.StructField("passages", T.LongType()),
                           T.StructField("credited", T.LongType()),
                           T.StructField("first", T.StringType()),
                           T.StructField("last", T.StringType())])
    each = families_df.select(*FAMILY_COLUMNS).mapInArrow(
        lambda it: _flow_partition(it, schema), schema)
    return (each.groupBy("source", "target")
            .agg(F.sum("passages").alias("passages"), F.sum("credited").alias("credited"),
                 F.min("first").alias("first"), F.max("last").alias("last"))
            .orderBy(F.col("passages").desc(), "source", "target")
            .select(*FLOW_COLUMNS))


def _taken_partition(batches: Iterator, schema) -> Iterator:
    """Each family's ``taken_spans``: (doc, source, start, end) rows."""
    from provenance.trace.families import taken_spans

    for batch in batches:
        out: dict[str, list] = {k: [] for k in ("doc", "source", "start", "end")}
        for family in _family_rows(batch):
            for doc, by_source in taken_spans([family]).items():
                for source, spans in by_source.items():
                    for start, end in spans:
                        for k, v in (("doc", doc), ("source", source), ("start", start),
                                     ("end", end)):
                            out[k].append(v)
        yield from arrow_batches(out, schema)


def _churn_partition(batches: Iterator, schema) -> Iterator:
    """``document_churn`` of each document with its taken spans."""
    from provenance.trace.families import document_churn

    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {k: [] for k in CHURN_COLUMNS}
        for doc, text, spans in zip(c["doc"], c["text"], c["spans"], strict=True):
            by_source: dict[str, list[tuple[int, int]]] = {}
            for span in spans:
                by_source.setdefault(span["source"], []).append((span["start"], span["end"]))
            churn = document_churn(doc, text, by_source).to_dict()  # shares to 4 places
            out["doc"].append(doc)
            out["share"].append(churn["share"])
            out["sources"].append([{"source": src, "share": v} for src, v in churn["sources"]])
        yield from arrow_batches(out, schema)


def churnalism(families_df, documents):
    """Per document of ``documents`` (``id``, ``text``), in id order, the share of its text
    found earlier elsewhere and from whom, as ``trace.families.churnalism`` gives them over the
    families of ``families_df`` (``families(...).families``): ``Churn.to_dict()``'s ``doc``,
    ``share`` and ``sources`` (as ``source``, ``share`` pairs, largest first; shares to 4
    places). Spans are taken per family in
    partitions (``taken_spans``), grouped by document and measured against its text
    (``document_churn``); a document in no family has share 0 and no source, without Python."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    S, L, D = T.StringType(), T.LongType(), T.DoubleType()  # noqa: N806
    taken_schema = T.StructType([T.StructField("doc", S), T.StructField("source", S),
                                 T.StructField("start", L), T.StructField("end", L)])
    sources = T.ArrayType(T.StructType([T.StructField("source", S), T.StructField("share", D)]))
    churn_schema = T.StructType([T.StructField("doc", S), T.StructField("share", D),
                                 T.StructField("sources", sources)])
    taken = (families_df.select(*FAMILY_COLUMNS)
             .mapInArrow(lambda it: _taken_partition(it, taken_schema), taken_schema)
             .groupBy("doc").agg(F.collect_list(F.struct("source", "start", "end"))
                                 .alias("spans")))
    texts = documents.select(F.col("id").alias("doc"), "text")
    measured = taken.join(texts, "doc").select("doc", "text", "spans").mapInArrow(
        lambda it: _churn_partition(it, churn_schema), churn_schema)
    return (texts.select("doc").join(measured, "doc", "left")
            .select("doc", F.coalesce("share", F.lit(0.0)).alias("share"),
                    F.coalesce("sources", F.array().cast(sources)).alias("sources"))
            .orderBy("doc"))
