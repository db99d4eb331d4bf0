"""A site's clutter lines on Spark, equal to ``text.templates.site_clutter``; and each
document's sentences with them marked, as ``scan`` segments its documents.

``scan`` marks a site's recurring short lines boilerplate before anything else
(``site_boilerplate``): the words it signs, the templates it learns, the passages it finds and
the evidence of its families all leave them out. Here each partition takes the library's
``clutter_lines`` of every page with a site (its outlet, else its URL's host: ``site_of``), one
shuffle counts the pages of each ``(site, line)``, and only the lines on at least
``site_min_pages`` pages of their site reach the driver: they grow with the sites' page
furniture, not the corpus. The set is broadcast, and :func:`document_sentences` marks them in
the partitions that segment documents.
"""

from __future__ import annotations

from collections.abc import Iterator

from provenance.spark.arrow import batches as arrow_batches
from provenance.spark.arrow import columns
from provenance.text.templates import TemplateOptions

__all__ = ["SITE_COLUMNS", "document_sentences", "site_clutter", "with_site"]

SITE_COLUMNS = ("outlet", "url")  # what a document's site comes from (``site_of``)


def with_site(documents, *extra):
    """``id``, ``text``, the columns a document's site comes from (null when absent) and
    ``extra`` columns of ``documents``."""
    from pyspark.sql import functions as F

    return documents.select("id", "text", *[
        F.col(c) if c in documents.columns else F.lit(None).cast("string").alias(c)
        for c in SITE_COLUMNS], *extra)


def _line_partition(batches: Iterator, options: TemplateOptions, schema) -> Iterator:
    from provenance.text.sentences import sentences
    from provenance.text.templates import clutter_lines, site_of

    for batch in batches:
        c = columns(batch)
        out: dict[str, list] = {"site": [], "line": [], "id": []}
        for doc, text, outlet, url in zip(c["id"], c["text"], c["outlet"], c["url"],
                                          strict=True):
            site = site_of(outlet, url)
            if site is None:
                continue
            for line in sorted({k for k in clutter_lines(site, text, sentences(text, doc),
                                                         options) if k is not None}):
                out["site"].append(site)
                out["line"].append(line)
                out["id"].append(doc)
        yield from arrow_batches(out, schema)


def site_clutter(df, options: TemplateOptions | None = None, *,
                 text_field: str | None = None) -> frozenset[tuple[str, str]]:
    """``(site, line)`` of every clutter line on at least ``site_min_pages`` pages of its site,
    over the documents of ``df`` (``id``, ``text``, ``outlet``, ``url``; or an ``Inputs``), as
    ``site_clutter`` finds them over the same documents. Documents without a site take part in
    nothing; without any, the set is empty."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from provenance.spark.inputs import inputs_of

    options = options or TemplateOptions()
    docs = with_site(inputs_of(df, text_field).documents)
    S = T.StringType()  # noqa: N806
    schema = T.StructType([T.StructField(k, S) for k in ("site", "line", "id")])
    found = docs.mapInArrow(lambda it: _line_partition(it, options, schema), schema)
    rows = (found.groupBy("site", "line").agg(F.countDistinct("id").alias("pages"))
            .where(F.col("pages") >= options.site_min_pages).select("site", "line").collect())
    return frozenset((r["site"], r["line"]) for r in rows)


def document_sentences(doc: str, text: str, outlet: str | None, url: str | None,
                       clutter) -> tuple:
    """``sentences(text, doc)`` with the site's clutter lines (``clutter``: a set of
    :func:`site_clutter`'s, or None for none) marked boilerplate, as ``scan`` has them."""
    from provenance.text.sentences import sentences
    from provenance.text.templates import mark_clutter, site_of

    sents = sentences(text, doc)
    if not clutter:
        return tuple(sents)
    return mark_clutter(site_of(outlet, url), text, sents, clutter)
