"""Article text and metadata out of an HTML page (selectolax's Lexbor parser)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

__all__ = ["extract_html"]

_DROP = "script, style, noscript, template, svg, nav, header, footer, aside, form, figure, iframe"
_BLOCKS = (
    "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, div, section, article, td, th, tr, dt, dd, "
    "br, hr, main, table, ul, ol"
)
_META = {
    "title": ('meta[property="og:title"]', 'meta[name="twitter:title"]'),
    "outlet": ('meta[property="og:site_name"]', 'meta[name="application-name"]'),
    "published": ('meta[property="article:published_time"]', 'meta[name="pubdate"]',
                  'meta[name="date"]', 'meta[itemprop="datePublished"]'),
    "author": ('meta[name="author"]', 'meta[property="article:author"]'),
    "url": ('meta[property="og:url"]',),
}
_BLANKS = re.compile(r"[ \t\u00a0]+")


def extract_html(html: str) -> tuple[str, dict[str, str]]:
    """The readable text of a page, one block per line, and the metadata its head declares.

    The text comes from ``<article>``, else ``<main>``, else ``<body>``, without scripts, styles,
    navigation, headers, footers, asides, forms and figures (captions are not article text).
    """
    tree = LexborHTMLParser(html)
    meta: dict[str, str] = {}
    for field, selectors in _META.items():
        for sel in selectors:
            node = tree.css_first(sel)
            value = node.attributes.get("content") if node is not None else None
            if value and value.strip():
                meta[field] = value.strip()
                break
    if "title" not in meta:
        node = tree.css_first("title")
        if node is not None and node.text(strip=True):
            meta["title"] = node.text(strip=True)
    if "url" not in meta:
        node = tree.css_first('link[rel="canonical"]')
        if node is not None and node.attributes.get("href"):
            meta["url"] = node.attributes["href"].strip()
    root = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    if root is None:
        return "", meta
    for node in root.css(_DROP):
        node.decompose()
    for node in root.css(_BLOCKS):
        node.insert_before("\n")
        node.insert_after("\n")
    raw = root.text(deep=True, separator="", strip=False)
    lines = (_BLANKS.sub(" ", line).strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line), meta
