"""The corpus's templates on Spark, equal to ``text.templates.learn_templates``; and the passages
``scan`` finds with them.

``scan`` learns its templates before it finds passages (``scan.analyze``): each document's
``features`` (its shapes, trigrams, formula keys and their variants), merged per near-duplicate
group so that a group counts once, added up (``TemplateCounts``) and turned into ``Templates``
(``templates_from_rows``). The plan here:

1. *features* (map only): each partition segments its documents (``sentences``; with
   ``clutter=``, the sites' clutter lines marked boilerplate as ``scan`` marks them) and takes
   ``features(sentences, options)`` -- the library's own function -- as rows (group, key,
   parent, example). A document's group is its near-duplicate cluster (:func:`scan_groups`:
   ``scan``'s pairs at its threshold, joined by ``spark.components`` as ``similarity.clusters``
   joins them), a column of the input, or the document itself.
2. *per group* (shuffle 1): a key once per group, its smallest example (``learn_templates``'
   merge).
3. *per key* (shuffle 2): groups holding each key (documents), the smallest example; the
   variants of each parent key counted (shuffle 3). Only the rows a template can come from
   (``templates_from_rows``' own thresholds) are collected: they grow with the vocabulary of
   shapes, not the corpus.
4. *templates* (driver): ``templates_from_rows`` over those rows, sorted as
   ``TemplateCounts.rows`` sorts them.

:func:`scan_passages` is ``scan``'s road to its passages: the sites' clutter lines
(``spark.clutter``), pairs, groups, templates, then ``spark.passages`` with the templates and
the whole copies (pairs at Jaccard >= 0.8), the clutter left out of each; a near-duplicate
cluster of more than 20 documents takes part through its representative alone (``spark.copies``),
as in ``scan``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from provenance.options import PassageOptions, ScanOptions, TemplateOptions
from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns
from provenance.spark.clutter import SITE_COLUMNS, document_sentences, site_clutter, with_site
from provenance.text.templates import Templates, features, templates_from_rows

__all__ = ["ScanPassages", "learn_templates", "scan_groups", "scan_passages"]


def _feature_partition(batches: Iterator, options: TemplateOptions, clutter_bc,
                       schema) -> Iterator:
    clutter = clutter_bc.value if clutter_bc is not None else None
    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {k: [] for k in ("group", "key", "parent", "example")}
        for doc, text, group, outlet, url in zip(c["id"], c["text"], c["group"], c["outlet"],
                                                 c["url"], strict=True):
            sents = document_sentences(doc, text, outlet, url, clutter)
            for key, (parent, example) in features(sents, options).items():
                out["group"].append(group)
                out["key"].append(key)
                out["parent"].append(parent)
                out["example"].append(example)
        yield from arrow_batches(out, schema)


def scan_groups(pairs_df, threshold: float):
    """``(id, group)`` of every document in a near-duplicate cluster: the pairs (``pairs``'
    columns) at Jaccard >= ``threshold`` joined transitively, as ``similarity.clusters`` joins
    them for ``scan``; the group is the cluster's smallest id. Documents in no cluster have no
    row."""
    from pyspark.sql import functions as F

    from provenance.spark.components import components

    close = pairs_df.where(F.col("jaccard") >= threshold).select("a", "b")
    return components(close).select(F.col("node").alias("id"), F.col("component").alias("group"))


def learn_templates(df, options: TemplateOptions | None = None, groups=None, *,
                    text_field: str | None = None, clutter: frozenset | None = None
                    ) -> Templates:
    """``learn_templates(sentences of each document, options, groups)`` over the documents of
    ``df`` (``id``, ``text``; or an ``Inputs``), the features counted in Spark.

    ``groups``: None (each document its own group), the name of a column of ``df`` (documents
    with one value count once; null: the document alone), or a DataFrame ``(id, group)`` such as
    :func:`scan_groups` gives (documents without a row: alone). ``clutter``: the sites' clutter
    lines (``spark.clutter.site_clutter``), marked boilerplate in the sentences first, as
    ``scan`` marks them (none by default)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.spark.inputs import Inputs, inputs_of

    options = options or TemplateOptions()
    if isinstance(groups, str):
        source = df.documents if isinstance(df, Inputs) else df
        if groups not in source.columns:
            from provenance.errors import ConfigError

            raise ConfigError(f"no column {groups!r} to group documents by; give one of "
                              f"{', '.join(source.columns)}")
        docs = with_site(source, F.when(F.col(groups).isNull(), None).otherwise(
            F.concat(F.lit("g:"), F.col(groups).cast("string"))).alias("g"))
    else:
        docs = with_site(inputs_of(df, text_field).documents)
        if groups is not None:
            docs = docs.join(groups.select("id", F.concat(F.lit("g:"), F.col("group")).alias("g")),
                             "id", "left")
        else:
            docs = docs.withColumn("g", F.lit(None).cast("string"))
    docs = docs.select("id", "text", F.coalesce("g", F.concat(F.lit("d:"), "id")).alias("group"),
                       *SITE_COLUMNS)
    S = T.StringType()  # noqa: N806
    schema = T.StructType([T.StructField(k, S) for k in ("group", "key", "parent", "example")])
    clutter_bc = (docs.sparkSession.sparkContext.broadcast(clutter) if clutter else None)
    found = docs.mapInArrow(lambda it: _feature_partition(it, options, clutter_bc, schema),
                            schema)
    # 2. a key once per group (learn_templates merges a group's features, smallest example)
    held = found.groupBy("group", "key").agg(F.first("parent", ignorenulls=True).alias("parent"),
                                             F.min("example").alias("example"))
    # 3. per key: the groups holding it, the smallest example; variants per parent
    per_key = (held.groupBy("key").agg(F.count("*").alias("documents"),
                                       F.first("parent", ignorenulls=True).alias("parent"),
                                       F.min("example").alias("example")))
    variants = (per_key.where(F.col("parent").isNotNull()).groupBy("parent")
                .agg(F.count("*").alias("variants"))
                .withColumnRenamed("parent", "key"))
    rows = (per_key.where(~F.col("key").startswith("v|"))
            .join(variants, "key", "left").fillna(0, ["variants"])
            .where(_may_be_template(options)))
    collected = [(r["key"], int(r["documents"]), int(r["variants"]), r["example"])
                 for r in rows.select("key", "documents", "variants", "example").collect()]
    return templates_from_rows(sorted(collected), options)


def _may_be_template(options: TemplateOptions):
    """The rows ``templates_from_rows`` takes anything from (its own thresholds): the others
    are not collected."""
    from pyspark.sql import functions as F

    kind, n, v = F.substring("key", 1, 2), F.col("documents"), F.col("variants")
    return (((kind.isin("s|", "n|")) & (n >= options.min_documents)
             & (v >= options.min_variants))
            | ((kind == "g|") & (n >= options.min_documents))
            | ((kind == "x|") & (n >= options.formula_min_documents)
               & (v >= options.formula_min_variants))
            | ((kind == "c|") & (n >= options.site_min_pages)))


@dataclass(frozen=True)
class ScanPassages:
    """What :func:`scan_passages` found: the passages (``spark.passages``' frames), the
    document pairs (``pairs``' columns, persisted: unpersist them when done), the learned
    templates, the sites' clutter lines (``spark.clutter.site_clutter``) and the copies left
    out (``spark.copies.near_duplicate_copies``: ``rep``, ``id``, ``jaccard``; None when no
    cluster was collapsed)."""

    frames: object
    pairs: object
    templates: Templates
    clutter: frozenset = frozenset()
    copies: object = None


def scan_passages(df, config: ScanOptions | None = None, *,
                  text_field: str | None = None) -> ScanPassages:
    """The passages ``scan`` (``analyze``) finds: its document pairs, their near-duplicate
    clusters at ``config.threshold`` (each counting once), the templates learned from them,
    then ``spark.passages`` with those templates and the whole copies (pairs at Jaccard >=
    ``NEAR_DUPLICATE``). The sites' clutter lines (``spark.clutter.site_clutter``) are found
    first and left out of every step, as ``scan`` leaves them out (``site_boilerplate``). A
    near-duplicate cluster of more than ``COLLAPSE_AT`` documents takes part through its
    representative alone (``spark.copies``): its copies are left out of the templates, the
    passages and the whole copies, as ``scan`` leaves them out."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from provenance.spark.copies import near_duplicate_copies
    from provenance.spark.inputs import Inputs, inputs_of
    from provenance.spark.passages import pairs, passages
    from provenance.trace.graph import NEAR_DUPLICATE

    config = config or ScanOptions()
    inputs = inputs_of(df, text_field)
    clutter = site_clutter(inputs)
    found, _ = pairs(inputs, config, clutter=clutter)
    found = found.persist(StorageLevel.MEMORY_AND_DISK)
    copies = near_duplicate_copies(inputs, found, dayfirst=config.dayfirst, clutter=clutter)
    whole = found.where(F.col("jaccard") >= NEAR_DUPLICATE).select("a", "b")
    kept = inputs
    if copies is not None:
        copied = copies.select("id")
        kept = Inputs(inputs.documents.join(copied, "id", "left_anti"), inputs.skipped)
        whole = (whole.join(copied.withColumnRenamed("id", "a"), "a", "left_anti")
                 .join(copied.withColumnRenamed("id", "b"), "b", "left_anti"))
    learned = learn_templates(kept, groups=scan_groups(found, config.threshold),
                              clutter=clutter)
    frames = passages(kept, config.passages or PassageOptions(), templates=learned,
                      whole_copies=whole, clutter=clutter)
    return ScanPassages(frames, found, learned, clutter, copies)
