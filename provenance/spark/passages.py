"""Document pairs and passages on Spark, equal to the local engine's.

**pairs** (``scan``'s LSH road, ``similarity.pairs.Pair``): each partition segments its
documents (the sites' clutter lines marked boilerplate, ``spark.clutter``, as ``scan`` marks
them), takes the words outside boilerplate (``scan.document_units``) and signs them
(``signatures.sign``); band keys (``scan``'s bands and rows) are exploded and grouped (shuffle
1); each candidate is joined with both sides' shingle sets and signatures (shuffles 2-3) and
verified exactly in partitions (Jaccard, estimate, containment both ways); pairs whose score
reaches ``min_score`` stay. Equal to ``analyze`` above ``matrix_limit`` documents (below it,
``analyze`` compares every pair; LSH finds the pairs near the threshold, not the faint ones).

**passages** (``passages.find_passages``, step for step; with ``templates=`` learned from the
corpus -- ``spark.templates.learn_templates``, broadcast -- and ``whole_copies=``, as ``scan``
calls it):

1. *units* (no shuffle): each partition segments its documents into sentence units and
   two-sentence windows with their content terms and template flag (``finder._prepare``).
2. *weights* (shuffle 1): document frequencies of the terms; the table (one row per distinct
   term: it grows with the vocabulary, not the corpus) is broadcast to the executors as
   ``TermWeights``.
3. *candidates* (shuffle 2): unit pairs from different documents sharing two terms (up to
   ``finder.EXACT_LIMIT`` units, as ``find_passages`` does) or two of their five rarest terms
   (keys grouped; a key held by more than 64 units is dropped), as ``find_passages`` picks
   them.
4. *verify* (shuffles 3-4: both units joined to each candidate): ``finder._verify`` in
   partitions, and with learned templates whether the match is a template match
   (``finder._template_match``).
5. *templates* (shuffle 5, then joins with two small tables): a sentence matching sentences
   of more than ``template_docs`` documents is a template; its loose matches are dropped
   (``finder._drop_templates``); with learned templates the template matches are set aside
   (``finder._set_aside``); a whole copy keeps all its matches. Each match is flagged by the
   joins and one filter keeps what ``find_passages`` keeps (no set difference over the
   matches).
6. *passages* (shuffles 6-7: matches grouped by document pair, both texts joined): one-to-one
   matches merged into passages with kind and quotation (``finder._passages``) in partitions;
   a whole copy's runs are passages whatever their score, and a whole copy left without a
   match is aligned on its own (``Aligner``, ``whole_copy=True``: ``finder._with_whole_copies``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from provenance.documents import Document
from provenance.options import PassageOptions, ScanOptions
from provenance.passages.finder import (
    EXACT_LIMIT,
    Prepared,
    Unit,
    merge_matches,
    prepare_units,
    template_match,
    verify_units,
    weigh_units,
    whole_copy_options,
)
from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns
from provenance.spark.clutter import document_sentences, site_clutter, with_site
from provenance.spark.inputs import inputs_of
from provenance.text.templates import Templates

__all__ = ["PAIR_COLUMNS", "PASSAGE_COLUMNS", "PassageFrames", "pairs", "passages"]

PAIR_COLUMNS = ("a", "b", "jaccard", "jaccard_estimate", "containment_a_in_b",
                "containment_b_in_a")
PASSAGE_COLUMNS = ("a", "b", "a_start", "a_end", "b_start", "b_end", "a_text", "b_text",
                   "score", "kind", "quoted", "quote")
_RARE_KEEP = 5
_RARE_MAX_GROUP = 64


@dataclass(frozen=True)
class PassageFrames:
    """``passages``: one row per passage, ``Passage.to_dict()``'s columns (score unrounded);
    ``skipped``: path, reason, order; ``counts``: units and candidates, for the record."""

    passages: object
    skipped: object
    units: int = 0
    candidates: int = 0


# --- pairs ---------------------------------------------------------------------------------


def _sign_partition(batches: Iterator, config: ScanOptions, bands: int, rows: int,
                    clutter_bc, schema) -> Iterator:
    from provenance.scan import document_units
    from provenance.signatures import EMPTY, sign
    from provenance.similarity.candidates import band_keys

    clutter = clutter_bc.value if clutter_bc is not None else None
    for batch in batches:
        c = columns(batch)
        units = [document_units(text, document_sentences(doc, text, outlet, url, clutter),
                                config.shingle_kind)
                 for doc, text, outlet, url in zip(c["id"], c["text"], c["outlet"], c["url"],
                                                   strict=True)]
        signed = sign(units, config.shingle_size, config.num_perm, config.seed, config.engine)
        sets = [np.unique(signed.shingles(d)) for d in range(len(units))]
        keys = band_keys(signed.signatures, bands, rows).view(np.int64)
        live = ~(signed.signatures == EMPTY).all(axis=1)
        yield from arrow_batches({
            "id": c["id"], "sig": [s.tobytes() for s in signed.signatures],
            "set": [s.tobytes() for s in sets],
            "keys": [k.tolist() if ok else [] for k, ok in zip(keys, live, strict=True)],
        }, schema)


def _pair_partition(batches: Iterator, min_score: float, schema) -> Iterator:
    from provenance.signatures import estimate_jaccard
    from provenance.similarity.pairs import Pair

    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {k: [] for k in PAIR_COLUMNS}
        for a, b, sa, sb, ga, gb in zip(c["a"], c["b"], c["set_a"], c["set_b"], c["sig_a"],
                                        c["sig_b"], strict=True):
            x, y = np.frombuffer(sa, np.uint64), np.frombuffer(sb, np.uint64)
            inter = len(np.intersect1d(x, y, assume_unique=True))
            if not inter:
                continue
            union = len(x) + len(y) - inter
            p = Pair(a=a, b=b, jaccard=inter / union if union else 0.0,
                     jaccard_estimate=estimate_jaccard(np.frombuffer(ga, np.uint32),
                                                       np.frombuffer(gb, np.uint32)),
                     containment_a_in_b=inter / len(x) if len(x) else 0.0,
                     containment_b_in_a=inter / len(y) if len(y) else 0.0)
            if p.score >= min_score:
                for k in PAIR_COLUMNS:
                    out[k].append(getattr(p, k))
        yield from arrow_batches(out, schema)


def _all_pairs(groups, column: str):
    """Every pair ``(p, q)`` of a sorted array column, ``p`` first."""
    from pyspark.sql import functions as F

    ms = F.col(column)
    return F.flatten(F.transform(F.sequence(F.lit(0), F.size(ms) - 2), lambda i: F.transform(
        F.slice(ms, i + 2, F.size(ms)), lambda x: F.struct(
            F.element_at(ms, i + 1).alias("p"), x.alias("q")))))


def _star_or_all_pairs(groups, column: str, star_above: int):
    """As the local ``colliding_pairs`` with ``star_above``: every pair of a group of up to
    ``star_above`` ids, and each id with the first (lowest) one in a larger group."""
    from pyspark.sql import functions as F

    ms = F.col(column)
    star = F.transform(F.slice(ms, 2, F.size(ms)),
                       lambda x: F.struct(F.element_at(ms, 1).alias("p"), x.alias("q")))
    return F.when(F.size(ms) > star_above, star).otherwise(_all_pairs(groups, column))


def pairs(df, config: ScanOptions | None = None, *, text_field: str | None = None,
          clutter: frozenset | None = None):
    """Verified document pairs (``Pair.to_dict()``'s columns, unrounded), ``a < b`` by id, as
    ``analyze`` finds them above ``matrix_limit`` documents; and the skipped rows. The words
    signed leave out the sites' clutter lines, as ``analyze``'s do: ``clutter`` (a set of
    ``spark.clutter.site_clutter``'s) or, by default, found here (one more pass)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.similarity.candidates import lsh_params

    config = config or ScanOptions()
    from provenance.scan import STAR_ABOVE  # here: scan's imports are not for the workers

    inputs = inputs_of(df, text_field)
    if clutter is None:
        clutter = site_clutter(inputs)
    spark = inputs.documents.sparkSession
    clutter_bc = spark.sparkContext.broadcast(clutter) if clutter else None
    bands, rows = lsh_params(config.threshold, config.num_perm)
    schema = T.StructType([T.StructField("id", T.StringType()),
                           T.StructField("sig", T.BinaryType()),
                           T.StructField("set", T.BinaryType()),
                           T.StructField("keys", T.ArrayType(T.LongType()))])
    signed = with_site(inputs.documents).mapInArrow(
        lambda it: _sign_partition(it, config, bands, rows, clutter_bc, schema), schema
    ).persist(StorageLevel.MEMORY_AND_DISK)
    groups = (signed.select(F.explode("keys").alias("key"), "id").groupBy("key")
              .agg(F.array_sort(F.collect_set("id")).alias("ms")).where(F.size("ms") > 1))
    cand = (groups.select(F.explode(_star_or_all_pairs(groups, "ms", STAR_ABOVE)).alias("pq"))
            .select(F.col("pq.p").alias("a"), F.col("pq.q").alias("b")).distinct())
    side = signed.select("id", "set", "sig")
    joined = (cand.join(side.select(F.col("id").alias("a"), F.col("set").alias("set_a"),
                                    F.col("sig").alias("sig_a")), "a")
              .join(side.select(F.col("id").alias("b"), F.col("set").alias("set_b"),
                                F.col("sig").alias("sig_b")), "b"))
    out_schema = T.StructType([T.StructField("a", T.StringType()),
                               T.StructField("b", T.StringType())]
                              + [T.StructField(k, T.DoubleType()) for k in PAIR_COLUMNS[2:]])
    found = joined.select("a", "b", "set_a", "set_b", "sig_a", "sig_b").mapInArrow(
        lambda it: _pair_partition(it, config.min_score, out_schema), out_schema)
    return found, inputs.skipped


# --- passages ------------------------------------------------------------------------------


def _unit_partition(batches: Iterator, windows: bool, templates_bc, clutter_bc,
                    schema) -> Iterator:
    templates = templates_bc.value if templates_bc is not None else None
    clutter = clutter_bc.value if clutter_bc is not None else None
    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {k: [] for k in schema.fieldNames()}
        for doc, text, outlet, url in zip(c["id"], c["text"], c["outlet"], c["url"],
                                          strict=True):
            sents = document_sentences(doc, text, outlet, url, clutter) if clutter else None
            prepared = prepare_units(0, Document(id=doc, text=text), sents, windows, templates)
            for k, u in enumerate(prepared.units):
                terms = sorted(u.terms)
                for name, value in (("id", doc), ("uix", k), ("first", u.first),
                                    ("last", u.last), ("start", u.start), ("end", u.end),
                                    ("terms", terms), ("shares", [u.terms[t] for t in terms]),
                                    ("numbers", sorted(u.numbers)), ("template", u.template)):
                    out[name].append(value)
        yield from arrow_batches(out, schema)


def _unit(doc: str, r: dict, side: str) -> Unit:
    return Unit(doc, r[f"first_{side}"], r[f"last_{side}"], r[f"start_{side}"],
                 r[f"end_{side}"], dict(zip(r[f"terms_{side}"], r[f"shares_{side}"],
                                            strict=True)),
                 frozenset(r[f"numbers_{side}"]), template=r[f"template_{side}"])


_UNIT_FIELDS = ("first", "last", "start", "end", "terms", "shares", "numbers", "template")
_MATCH_FIELDS = ("a", "b", "a_first", "a_last", "a_start", "a_end", "b_first", "b_last",
                 "b_start", "b_end", "score", "shared")


def _verify_partition(batches: Iterator, weights_bc, templates_bc, options: PassageOptions,
                      schema) -> Iterator:
    weights = weights_bc.value
    templates = templates_bc.value if templates_bc is not None else None
    for batch in batches:
        c = columns(batch)
        n = len(c["a"])
        out: dict[str, list] = {k: [] for k in (*_MATCH_FIELDS, "template")}
        for i in range(n):
            r = {k: v[i] for k, v in c.items()}
            ua, ub = _unit(r["a"], r, "a"), _unit(r["b"], r, "b")
            if ua.doc > ub.doc:
                ua, ub = ub, ua
            weigh_units([ua, ub], weights)
            for m in verify_units(ua, ub, options):
                score, shared, x, y = m
                template = templates is not None and template_match(m, templates, options)
                for k, v in (("a", x.doc), ("b", y.doc), ("a_first", x.first),
                             ("a_last", x.last), ("a_start", x.start), ("a_end", x.end),
                             ("b_first", y.first), ("b_last", y.last), ("b_start", y.start),
                             ("b_end", y.end), ("score", score), ("shared", shared),
                             ("template", template)):
                    out[k].append(v)
        yield from arrow_batches(out, schema)


def _passage_partition(batches: Iterator, options: PassageOptions, templates_bc,
                       schema) -> Iterator:
    from provenance.passages.finder import Aligner
    from provenance.text.quotes import quote_spans
    from provenance.text.sentences import blocks

    # a whole copy (Jaccard >= 0.8): every run is a passage, whatever its score
    whole_options = whole_copy_options(options)
    templates = templates_bc.value if templates_bc is not None else None
    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {k: [] for k in PASSAGE_COLUMNS}
        for a, b, ta, tb, ms, whole in zip(c["a"], c["b"], c["text_a"], c["text_b"], c["ms"],
                                           c["whole"], strict=True):
            if not ms:  # a whole copy none of whose matches were found: aligned on its own
                found = Aligner(Document(id=a, text=ta), options, templates=templates)(
                    Document(id=b, text=tb), whole_copy=True)
                for p in found:
                    for k in PASSAGE_COLUMNS:
                        out[k].append(getattr(p, k))
                continue
            pa = Prepared(Document(id=a, text=ta), [], quote_spans(ta, blocks(ta)))
            pb = Prepared(Document(id=b, text=tb), [], quote_spans(tb, blocks(tb)))
            matches = [(m["score"], m["shared"],
                        Unit(a, m["a_first"], m["a_last"], m["a_start"], m["a_end"], {},
                              frozenset()),
                        Unit(b, m["b_first"], m["b_last"], m["b_start"], m["b_end"], {},
                              frozenset())) for m in ms]
            for p in merge_matches(pa, pb, matches, whole_options if whole else options):
                for k in PASSAGE_COLUMNS:
                    out[k].append(getattr(p, k))
        yield from arrow_batches(out, schema)


def passages(df, options: PassageOptions | None = None, *, text_field: str | None = None,
             templates: Templates | None = None, whole_copies=None,
             clutter: frozenset | None = None) -> PassageFrames:
    """The passages any two documents of ``df`` share, as ``find_passages(documents, options,
    templates=templates, whole_copies=...)`` finds them. ``templates``: learned from the
    corpus (``spark.templates.learn_templates``), broadcast to the executors; ``whole_copies``:
    a DataFrame of document pairs ``(a, b)``, ``a < b`` by id, that are one story re-issued
    (``scan``'s pairs at Jaccard >= 0.8); ``clutter``: the sites' clutter lines
    (``spark.clutter.site_clutter``), marked boilerplate in each document's sentences as
    ``scan`` marks them before it calls ``find_passages`` (none by default, as
    ``find_passages`` alone)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.text.lexicon import TermWeights

    options = options or PassageOptions()
    inputs = inputs_of(df, text_field)
    docs = inputs.documents.select("id", "text")
    spark = inputs.documents.sparkSession
    S, L, D = T.StringType(), T.LongType(), T.DoubleType()  # noqa: N806
    unit_schema = T.StructType([
        T.StructField("id", S), T.StructField("uix", L), T.StructField("first", L),
        T.StructField("last", L), T.StructField("start", L), T.StructField("end", L),
        T.StructField("terms", T.ArrayType(S)), T.StructField("shares", T.ArrayType(D)),
        T.StructField("numbers", T.ArrayType(S)), T.StructField("template", T.BooleanType())])
    templates_bc = spark.sparkContext.broadcast(templates) if templates is not None else None
    clutter_bc = spark.sparkContext.broadcast(clutter) if clutter else None
    units = with_site(inputs.documents).mapInArrow(
        lambda it: _unit_partition(it, options.windows, templates_bc, clutter_bc, unit_schema),
        unit_schema).persist(StorageLevel.MEMORY_AND_DISK)

    # 2. weights: document frequencies (sentences and windows hold the same terms)
    n_docs = inputs.documents.count()
    freq = (units.select("id", F.explode("terms").alias("t")).distinct().groupBy("t").count())
    weights = TermWeights.from_counts({r["t"]: r["count"] for r in freq.collect()}, n_docs)
    weights_bc = spark.sparkContext.broadcast(weights)

    # 3. candidates
    n_units = units.count()
    key = F.struct("id", "uix")
    if n_units <= EXACT_LIMIT:
        held = units.select(key.alias("u"), F.explode("terms").alias("t"))
        shared = (held.alias("x").join(held.alias("y"), "t")
                  .where((F.col("x.u") < F.col("y.u")) & (F.col("x.u.id") != F.col("y.u.id")))
                  .groupBy(F.col("x.u").alias("p"), F.col("y.u").alias("q")).count()
                  .where(F.col("count") >= 2))
        cand = shared.select("p", "q")
    else:
        rare = F.udf(lambda terms: _rare_keys(terms, weights_bc.value),
                     T.ArrayType(T.StringType()))
        held = units.select(key.alias("u"), "id", F.explode(rare("terms")).alias("k"))
        groups = (held.groupBy("k").agg(F.array_sort(F.collect_set("u")).alias("ms"))
                  .where((F.size("ms") > 1) & (F.size("ms") <= _RARE_MAX_GROUP)))
        cand = (groups.select(F.explode(_all_pairs(groups, "ms")).alias("pq"))
                .select(F.col("pq.p").alias("p"), F.col("pq.q").alias("q"))
                .where(F.col("p.id") != F.col("q.id")).distinct())
    cand = cand.persist(StorageLevel.MEMORY_AND_DISK)
    n_cand = cand.count()

    # 4. verify
    def side(s: str):
        return units.select(
            F.struct("id", "uix").alias(s), F.col("id").alias(s + "_id"),
            *[F.col(c).alias(f"{c}_{s}") for c in _UNIT_FIELDS])

    joined = (cand.select(F.col("p").alias("ka"), F.col("q").alias("kb"))
              .join(side("ka"), "ka").join(side("kb"), "kb")
              .withColumnRenamed("ka_id", "a").withColumnRenamed("kb_id", "b"))
    for c in _UNIT_FIELDS:
        joined = joined.withColumnRenamed(f"{c}_ka", f"{c}_a").withColumnRenamed(f"{c}_kb",
                                                                                  f"{c}_b")
    match_schema = T.StructType([T.StructField("a", S), T.StructField("b", S)]
                                + [T.StructField(k, L) for k in _MATCH_FIELDS[2:10]]
                                + [T.StructField("score", D), T.StructField("shared", D),
                                   T.StructField("template", T.BooleanType())])
    matches = joined.drop("ka", "kb").mapInArrow(
        lambda it: _verify_partition(it, weights_bc, templates_bc, options, match_schema),
        match_schema).persist(StorageLevel.MEMORY_AND_DISK)
    whole = None
    if whole_copies is not None:
        whole = whole_copies.select("a", "b").distinct().persist(StorageLevel.MEMORY_AND_DISK)

    # 5. templates: (document, first sentence) matching more than template_docs documents.
    # Each match is flagged (is either side such a sentence? is its pair a whole copy?) by
    # joins with those two small tables, and one filter keeps what find_passages keeps: a
    # whole copy's matches all, else neither a loose match of such a sentence
    # (finder._drop_templates) nor a learned template's match (finder._set_aside)
    ends = (matches.select(F.col("a").alias("doc"), F.col("a_first").alias("first"),
                           F.col("b").alias("other"))
            .unionByName(matches.select(F.col("b").alias("doc"), F.col("b_first").alias("first"),
                                        F.col("a").alias("other"))))
    common = (ends.groupBy("doc", "first").agg(F.countDistinct("other").alias("n"))
              .where(F.col("n") > options.template_docs).select("doc", "first"))
    flagged = (matches
               .join(common.select(F.col("doc").alias("a"), F.col("first").alias("a_first"),
                                   F.lit(True).alias("common_a")), ["a", "a_first"], "left")
               .join(common.select(F.col("doc").alias("b"), F.col("first").alias("b_first"),
                                   F.lit(True).alias("common_b")), ["b", "b_first"], "left"))
    is_whole = F.lit(False)
    if whole is not None:
        flagged = flagged.join(whole.withColumn("whole", F.lit(True)), ["a", "b"], "left")
        is_whole = F.coalesce(F.col("whole"), F.lit(False))
    loose = (F.col("score") < options.near_verbatim) & (
        F.coalesce(F.col("common_a"), F.lit(False)) | F.coalesce(F.col("common_b"), F.lit(False)))
    kept = flagged.where(is_whole | ~(loose | F.col("template")))

    # 6. passages per document pair; a whole copy none of whose matches are kept is aligned
    # on its own (finder._with_whole_copies)
    grouped = kept.groupBy("a", "b").agg(F.collect_list(F.struct(*_MATCH_FIELDS[2:])).alias("ms"))
    if whole is not None:
        lonely = (whole.join(grouped.select("a", "b"), ["a", "b"], "left_anti")
                  .where(F.col("a") != F.col("b"))
                  .select("a", "b", F.array().cast(grouped.schema["ms"].dataType).alias("ms")))
        grouped = (grouped.unionByName(lonely)
                   .join(whole.withColumn("whole", F.lit(True)), ["a", "b"], "left"))
    else:
        grouped = grouped.withColumn("whole", F.lit(None).cast("boolean"))
    texts = docs.select("id", "text")
    with_text = (grouped.join(texts.select(F.col("id").alias("a"), F.col("text").alias("text_a")),
                              "a")
                 .join(texts.select(F.col("id").alias("b"), F.col("text").alias("text_b")), "b"))
    out_schema = T.StructType([
        T.StructField("a", S), T.StructField("b", S), T.StructField("a_start", L),
        T.StructField("a_end", L), T.StructField("b_start", L), T.StructField("b_end", L),
        T.StructField("a_text", S), T.StructField("b_text", S), T.StructField("score", D),
        T.StructField("kind", S), T.StructField("quoted", T.BooleanType()),
        T.StructField("quote", S)])
    found = with_text.select("a", "b", "text_a", "text_b", "ms", "whole").mapInArrow(
        lambda it: _passage_partition(it, options, templates_bc, out_schema), out_schema)
    return PassageFrames(found, inputs.skipped, n_units, n_cand)


def _rare_keys(terms: list[str], weights) -> list[str]:
    """``finder._rare_pair_candidates``' keys of one unit: every two of its five rarest terms
    found in at least two documents."""
    rare = sorted((weights.df(t), t) for t in terms if weights.df(t) >= 2)[:_RARE_KEEP]
    ids = sorted(t for _, t in rare)
    return [f"{ids[x]}\x00{ids[y]}" for x in range(len(ids)) for y in range(x + 1, len(ids))]
