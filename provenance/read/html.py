"""Article text and metadata out of an HTML page (selectolax's Lexbor parser).

Cost bound: parsing is linear in the page's size except in its nesting depth, where Lexbor's
tree building is quadratic (200,000 nested ``<div>`` took 98 s). The depth is measured first
with one linear scan of the tags; a page nested deeper than :data:`MAX_HTML_DEPTH` raises
:class:`PageError` without being parsed, so one page costs at most about 0.1 s per MB of
markup plus the scan (a 20 MB page well under 2 s here; see ``tests/test_read_bad_inputs.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from provenance.read.clutter import clean_lines, drop_clutter
from provenance.read.dates import date_from_url
from provenance.read.jsonsafe import loads

__all__ = ["MAX_HTML_DEPTH", "Page", "PageError", "extract_html"]

MAX_HTML_DEPTH = 1_000  # real article pages nest a few dozen elements deep
_DROP = "script, style, noscript, template, svg, nav, header, footer, aside, form, figure, iframe"
# Block elements end lines; whitespace in the source (line breaks included) is one space, as a
# browser renders it. Both are done on the markup, before parsing, in two C-level passes.
_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|blockquote|pre|div|section|article|td|th|tr|dt|dd|"
                        r"br|hr|main|table|ul|ol|header|footer|figcaption|aside|nav)\b[^>]*>",
                        re.IGNORECASE)
_SPACE = str.maketrans("\n\r\t\f\v", "     ")
# <meta name|property|itemprop=...> keys (lower case), best first, for each field.
_META = {
    "title": ("og:title", "twitter:title", "dc.title", "dcterms.title"),
    "outlet": ("og:site_name", "application-name", "dc.publisher", "dcterms.publisher"),
    "published": ("article:published_time", "og:published_time", "datepublished", "pubdate",
                  "publishdate", "publish-date", "dc.date.issued", "dcterms.issued", "dc.date",
                  "dcterms.date", "dcterms.created", "dc.date.created", "sailthru.date",
                  "parsely-pub-date", "date"),
    "author": ("author", "article:author", "dc.creator", "dcterms.creator"),
    "url": ("og:url",),
}
_NEWS_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting",
               "analysisnewsarticle", "opinionnewsarticle", "reviewnewsarticle",
               "backgroundnewsarticle", "webpage", "liveblogposting"}
# Elements that never hold others, or whose end tag is optional, are not counted in the depth.
_FLAT = ("area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr|p|li|dt|dd|tr|td|"
         "th|option|thead|tbody|tfoot|colgroup|rb|rt|rp|optgroup")
_FLAT_TAG = re.compile(rf"</?(?:{_FLAT})\b[^>]*>|<[^>]*/>", re.IGNORECASE)


class PageError(ValueError):
    """The page cannot be read within its cost bound (markup nested too deep)."""


@dataclass(frozen=True)
class Page:
    """What a page gives: its text (one block a line), its metadata, and notes on what was
    repaired or ignored (a JSON-LD block that is not JSON, a date taken from the URL)."""

    text: str
    meta: dict[str, str]
    notes: tuple[str, ...] = ()


def html_depth(html: str) -> int:
    """The deepest nesting of elements, counted on the tags alone in linear time: elements
    whose end tag is optional or that hold nothing, and self-closed tags, are taken out (one
    C-level pass), the rest counted (one vectorized pass); a stray end tag never takes the
    depth below zero."""
    return _depth_bound(_FLAT_TAG.sub("", html))


def _floored_max(steps: np.ndarray) -> int:
    """The highest running sum of ``steps`` when the sum is never let below zero."""
    if not steps.size:
        return 0
    total = steps.cumsum()
    return int((total - np.minimum(np.minimum.accumulate(total), 0)).max())


def _depth_bound(html: str) -> int:
    """An upper bound of :func:`html_depth` in one vectorized pass: every ``<x`` opens, every
    ``</`` closes (void elements and optional end tags make it an over-estimate)."""
    codes = np.frombuffer(html.encode("utf-8", "surrogatepass") + b" ", dtype=np.uint8)
    after = codes[np.flatnonzero(codes == ord("<")) + 1]
    letter = ((after | 0x20) >= ord("a")) & ((after | 0x20) <= ord("z"))
    return _floored_max(letter.astype(np.int32) - (after == ord("/")))


def extract_html(html: str, *, clutter: bool = True) -> Page:
    """The readable text of a page, one block per line, and the metadata it declares.

    The text comes from ``<article>``, else ``<main>``, else ``<body>``, without scripts, styles,
    navigation, headers, footers, asides, forms and figures (captions are not article text).
    Metadata: ``<meta>`` tags (Open Graph, ``article:published_time``, Dublin Core, schema.org
    ``itemprop``), JSON-LD (``NewsArticle`` ``datePublished``, else ``dateModified``; headline,
    author, publisher), ``<time datetime>``, and a date in the page's URL, in that order.
    With ``clutter`` (the default), share bars, cookie banners, newsletter boxes, related and
    most-read lists, author boxes, sign-offs and navigation lines are left out
    (:mod:`provenance.read.clutter`). Raises :class:`PageError` for markup nested deeper than
    :data:`MAX_HTML_DEPTH`.
    """
    if html.count("<") > MAX_HTML_DEPTH and _depth_bound(html) > MAX_HTML_DEPTH:
        depth = html_depth(html)
        if depth > MAX_HTML_DEPTH:
            raise PageError(f"markup nested {depth:,} elements deep, over the limit of "
                            f"{MAX_HTML_DEPTH:,} (real article pages nest a few dozen)")
    tree = LexborHTMLParser(_BLOCK_TAG.sub("\n\\g<0>\n", html.translate(_SPACE)))
    notes: list[str] = []
    meta = _meta_tags(tree)
    for field, value in _json_ld(tree, notes).items():
        if field == "published" or field not in meta:
            meta[field] = value
    if "published" not in meta:
        node = (tree.css_first("time[datetime][itemprop=datePublished]")
                or tree.css_first("time[datetime][pubdate]")
                or tree.css_first("article time[datetime]") or tree.css_first("time[datetime]"))
        if node is not None and (node.attributes.get("datetime") or "").strip():
            meta["published"] = node.attributes["datetime"].strip()
    if "title" not in meta:
        node = tree.css_first("title")
        if node is not None and node.text(strip=True):
            meta["title"] = node.text(strip=True)
    if "url" not in meta:
        node = tree.css_first('link[rel="canonical"]')
        if node is not None and node.attributes.get("href"):
            meta["url"] = node.attributes["href"].strip()
    if "published" not in meta:
        day = date_from_url(meta.get("url"))
        if day is not None:
            meta["published"] = day
            notes.append(f"publication date {day} taken from the URL (the page declares none)")
    root = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    if root is None:
        return Page("", meta, tuple(notes))
    for node in root.css(_DROP):
        node.decompose()
    anchors: set[str] = set()
    if clutter:
        drop_clutter(root)
        anchors = {" ".join(a.text(deep=True, strip=False).split()) for a in root.css("a")}
    lines = [" ".join(line.split()) for line in root.text(deep=True, separator="",
                                                         strip=False).split("\n")]
    lines = [line for line in lines if line]
    if clutter:
        lines = clean_lines(lines, anchors)
    return Page("\n".join(lines), meta, tuple(notes))


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
        value = attrs.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    for node in tree.css("[itemprop=datePublished]"):
        value = node.attributes.get("content") or node.attributes.get("datetime")
        if value and value.strip():
            found.setdefault("datepublished", value.strip())
            break
    meta: dict[str, str] = {}
    for field, keys in _META.items():
        value = next((found[k] for k in keys if k in found), None)
        if value is not None:
            meta[field] = value
    return meta


def _json_ld(tree: LexborHTMLParser, notes: list[str]) -> dict[str, str]:
    """Fields of the first news-like JSON-LD object (``@graph`` and lists searched)."""
    for node in tree.css('script[type="application/ld+json"]'):
        raw = node.text(deep=True, strip=True)
        if not raw:
            continue
        value, problem = loads(raw.encode("utf-8", "replace"))
        if problem is not None:
            notes.append(f"a JSON-LD block is not valid JSON ({problem[:80]}); ignored")
            continue
        for item in _ld_objects(value):
            types = item.get("@type")
            types = types if isinstance(types, list) else [types]
            if not any(isinstance(t, str) and t.lower() in _NEWS_TYPES for t in types):
                continue
            out: dict[str, str] = {}
            published = _ld_text(item.get("datePublished"))
            if published is None and _ld_text(item.get("dateModified")):
                published = _ld_text(item.get("dateModified"))
                notes.append("publication date taken from JSON-LD dateModified (no "
                             "datePublished)")
            for field, value in (("published", published),
                                 ("title", _ld_text(item.get("headline"))),
                                 ("author", _ld_text(item.get("author"))),
                                 ("outlet", _ld_text(item.get("publisher"))),
                                 ("url", _ld_text(item.get("url")))):
                if value:
                    out[field] = value
            if out:
                return out
    return {}


def _ld_objects(value, depth: int = 0):
    if depth > 4:
        return
    if isinstance(value, list):
        for v in value:
            yield from _ld_objects(v, depth + 1)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _ld_objects(value["@graph"], depth + 1)


def _ld_text(value) -> str | None:
    """A JSON-LD value as text: a string, the ``name`` of an object, names of a list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _ld_text(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_ld_text(v) for v in value[:10]) if n]
        return ", ".join(names) or None
    return None
