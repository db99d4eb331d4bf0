"""Article pages in four CMS styles, written by the tests (no real page is copied): the same
kind of story wrapped in the clutter newsrooms publish around it -- share widgets, cookie
banners, newsletter boxes, related and most-read lists, author boxes, sign-offs -- inside
``<article>`` and on pages without semantic tags. Each page knows its article paragraphs, its
clutter lines and its publication date, so an extractor can be scored on it (text kept, clutter
let in) by ``tests/test_read_pages.py`` and ``python -m benchmarks.read --pages``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["PAGES", "TestPage"]


@dataclass(frozen=True)
class TestPage:
    __test__ = False  # not a pytest class

    name: str
    html: str
    article: tuple[str, ...]  # the paragraphs a reader sees as the story
    clutter: tuple[str, ...]  # lines that are not the story
    published: str  # the date the page declares (as parse_date reads it: ISO date prefix)


def _story(topic: str) -> tuple[str, ...]:
    return (
        f"City officials in Northbridge approved a new plan for {topic} on Tuesday, after a "
        "debate that ran late into the evening and drew dozens of residents to the council hall.",
        "The plan sets aside 4.2 million dollars over three years, according to the budget "
        "office, and asks the transport department to report on progress every six months.",
        "\u201cWe listened to every neighbourhood before we wrote a single line,\u201d said "
        "councillor Maria Ostrowski, who chaired the committee that drafted the proposal.",
        "Opponents argued that the money would be better spent on road repairs, pointing to a "
        "survey in which a majority of drivers rated the main streets as poor.",
        "A final vote on the funding is expected next month, when the council returns from its "
        "summer recess and the regional government publishes its own figures.",
    )


SHARE = ("Share this article", "Facebook", "Twitter", "Email")
COOKIE = "We use cookies to improve your experience. By continuing you accept our cookie policy."
NEWSLETTER = "Sign up for our daily newsletter and get the top stories in your inbox."
RELATED_HEAD = "Related articles"
RELATED = ("Bridge repairs delayed until spring", "Council elects new chair in close vote")
MOST_READ_HEAD = "Most read"
MOST_READ = ("Ten things to do this weekend", "Storm warning issued for the coast")
AUTHOR = "Jane Doe is a city hall reporter covering local politics and transport."
SIGNOFF = "(Reporting by Jane Doe; Editing by John Smith)"


def _wordpress() -> TestPage:
    story = _story("bicycle lanes")
    paras = "\n".join(f"<p>{p}</p>" for p in story)
    html = f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>Council approves bicycle lanes &#8211; Northbridge Gazette</title>
<meta property="og:site_name" content="Northbridge Gazette">
<link rel="canonical" href="https://gazette.example/2023/04/05/council-bicycle-lanes/">
</head><body class="post-template-default single single-post">
<div id="cookie-notice" class="cookie-notice"><span>{COOKIE}</span> <a>Accept</a></div>
<div id="page" class="site"><header id="masthead"><a href="/">Northbridge Gazette</a>
<nav><ul><li>News</li><li>Sport</li><li>Opinion</li></ul></nav></header>
<div id="content" class="site-content"><main id="main">
<article id="post-1234" class="post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">Council approves bicycle lanes</h1>
<div class="entry-meta">Posted on <time class="entry-date published"
datetime="2023-04-05T09:12:00+00:00">April 5, 2023</time> by Jane Doe</div></header>
<div class="entry-content">
{paras}
<div class="sharedaddy sd-sharing-enabled"><div class="sd-block sd-social">
<h3 class="sd-title">{SHARE[0]}</h3><ul><li><a class="share-facebook">{SHARE[1]}</a></li>
<li><a class="share-twitter">{SHARE[2]}</a></li><li><a class="share-email">{SHARE[3]}</a></li>
</ul></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">
{RELATED_HEAD}</h3><div class="jp-relatedposts-items"><p>{RELATED[0]}</p><p>{RELATED[1]}</p>
</div></div>
</div>
<div class="author-bio"><p>{AUTHOR}</p></div>
</article>
<div class="newsletter-signup widget"><p>{NEWSLETTER}</p><input type="email"></div>
</main></div></div><footer>Copyright 2023 Northbridge Gazette</footer></body></html>"""
    return TestPage("wordpress", html, story,
                    (*SHARE, COOKIE, RELATED_HEAD, *RELATED, AUTHOR, NEWSLETTER), "2023-04-05")


def _news_json_ld() -> TestPage:
    story = _story("tram services")
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Daily Courier"},
        {"@type": "NewsArticle", "headline": "Tram services to expand",
         "datePublished": "2023-06-12T07:30:00Z", "dateModified": "2023-06-12T09:00:00Z",
         "author": [{"@type": "Person", "name": "Jane Doe"}],
         "publisher": {"@type": "Organization", "name": "Daily Courier"}}]}
    paras = "\n".join(f'<p class="story-body__paragraph">{p}</p>' for p in story)
    html = f"""<html><head><title>Tram services to expand | Daily Courier</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
<div class="consent-banner" role="dialog"><p>{COOKIE}</p><button>OK</button></div>
<div class="top-bar"><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></div>
<main><div class="story">
<h1 class="story-headline">Tram services to expand</h1>
<div class="share-tools"><span>{SHARE[0]}</span> <a>{SHARE[1]}</a> <a>{SHARE[2]}</a>
<a>{SHARE[3]}</a></div>
<div class="story-body">
{paras}
<p>{SIGNOFF}</p>
</div>
<div class="newsletter-promo"><p>{NEWSLETTER}</p></div>
<div class="most-read"><h2>{MOST_READ_HEAD}</h2><ol><li>{MOST_READ[0]}</li>
<li>{MOST_READ[1]}</li></ol></div>
</div></main>
<div class="site-footer">Daily Courier, 1 Main Street</div></body></html>"""
    return TestPage("news_json_ld", html, story,
                    (*SHARE, COOKIE, NEWSLETTER, MOST_READ_HEAD, *MOST_READ, SIGNOFF, "Home"),
                    "2023-06-12")


def _table_layout() -> TestPage:
    story = _story("street lighting")
    paras = "<br><br>\n".join(story)
    html = f"""<html><head><title>Street lighting plan approved</title>
<meta name="DC.date" content="2023-02-20"></head>
<body bgcolor="#ffffff"><table width="100%"><tr><td colspan="2">
<font size="5">The Valley Times</font></td></tr>
<tr><td width="20%" valign="top"><a href="/">Front page</a><br><a href="/local">Local</a><br>
<b>{MOST_READ_HEAD}</b><br>{MOST_READ[0]}<br>{MOST_READ[1]}</td>
<td valign="top"><font size="4"><b>Street lighting plan approved</b></font><br><br>
{paras}<br><br>
<i>{SHARE[0]}: <a>{SHARE[1]}</a> | <a>{SHARE[2]}</a> | <a>{SHARE[3]}</a></i><br>
<small>{NEWSLETTER}</small></td></tr>
<tr><td colspan="2"><small>Copyright The Valley Times</small></td></tr></table></body></html>"""
    return TestPage("table_layout", html, story,
                    (*SHARE, NEWSLETTER, MOST_READ_HEAD, *MOST_READ, "Front page",
                     "Copyright The Valley Times"), "2023-02-20")


def _amp() -> TestPage:
    story = _story("park benches")
    paras = "\n".join(f"<p>{p}</p>" for p in story)
    html = f"""<!doctype html><html amp lang="en"><head><meta charset="utf-8">
<title>New park benches</title>
<link rel="canonical" href="https://news.example/local/2023/09/30/park-benches">
<meta property="article:published_time" content="2023-09-30T15:45:00+02:00">
<script async src="https://cdn.ampproject.org/v0.js"></script></head><body>
<amp-consent id="consent" layout="nodisplay"><div class="consent-ui"><p>{COOKIE}</p>
</div></amp-consent>
<header class="amp-header"><a href="/">News Example</a></header>
<article class="amp-article"><h1>New park benches</h1>
<div class="byline">By Jane Doe</div>
<div class="social-share"><p>{SHARE[0]}</p><amp-social-share type="facebook">{SHARE[1]}
</amp-social-share><amp-social-share type="twitter">{SHARE[2]}</amp-social-share>
<amp-social-share type="email">{SHARE[3]}</amp-social-share></div>
<amp-img src="bench.jpg" width="600" height="400" layout="responsive"></amp-img>
{paras}
<section class="related"><h2>{RELATED_HEAD}</h2><ul><li>{RELATED[0]}</li><li>{RELATED[1]}</li>
</ul></section>
<div class="author-box"><p>{AUTHOR}</p></div>
</article><footer>News Example</footer></body></html>"""
    return TestPage("amp", html, story, (*SHARE, COOKIE, RELATED_HEAD, *RELATED, AUTHOR),
                    "2023-09-30")


def _blog_held_out() -> TestPage:
    """Written after the clutter rules, to see how they carry to phrasings they were not
    written on."""
    story = _story("library hours")
    paras = "\n".join(f"<p>{p}</p>" for p in story)
    html = f"""<html><head><title>Library hours extended</title>
<meta name="dcterms.created" content="2023-11-02"></head><body>
<div class="gh-head"><a href="/">The Local Post</a> <a href="/about">About</a></div>
<div class="post-full"><h1>Library hours extended</h1>
<div class="post-meta">November 2, 2023 &middot; 3 min read</div>
{paras}
<div class="post-footer"><p>Follow us on Instagram and Threads for more local news.</p>
<p>Comments (12)</p><p>Read next</p><p>School board meets on Friday</p></div>
<div class="gdpr-box"><p>This website stores data such as cookies to enable site functionality.
</p><a>Accept all</a></div>
<div class="footer-note"><p>Get our free weekly briefing delivered to your inbox.</p></div>
</div></body></html>"""
    return TestPage("blog_held_out", html, story,
                    ("Follow us on Instagram", "Comments (12)", "Read next",
                     "School board meets on Friday", "stores data such as cookies", "Accept all",
                     "Get our free weekly briefing", "The Local Post", "3 min read"),
                    "2023-11-02")


def _regional_held_out() -> TestPage:
    """Held out like the blog page: a regional paper's page with its own widget names."""
    story = _story("harbour dredging")
    paras = "\n".join(f"<p>{p}</p>" for p in story)
    html = f"""<html><head><title>Harbour dredging to begin</title>
<meta property="og:url" content="https://regional.example/news/2024/01/15/harbour"></head>
<body><div id="content"><div class="article-wrapper">
<h1>Harbour dredging to begin</h1>
<ul class="article-tools"><li><a>Print</a></li><li><a>WhatsApp</a></li><li><a>Copy link</a></li>
</ul>
{paras}
<div class="inline-teaser"><p>READ MORE: Ferry timetable changes announced</p></div>
<div class="more-stories"><h3>More from News</h3><ul><li><a>Fire station opens</a></li>
<li><a>Market returns to square</a></li></ul></div>
<p class="disclaimer">Have a story? Contact our newsdesk at news@regional.example</p>
</div></div></body></html>"""
    return TestPage("regional_held_out", html, story,
                    ("WhatsApp", "Copy link", "READ MORE: Ferry timetable", "More from News",
                     "Fire station opens", "Market returns to square", "Contact our newsdesk"),
                    "2024-01-15")


PAGES: tuple[TestPage, ...] = (_wordpress(), _news_json_ld(), _table_layout(), _amp(),
                               _blog_held_out(), _regional_held_out())


def score(text: str, page: TestPage) -> tuple[float, int]:
    """(share of the article's paragraphs found whole in ``text``, clutter lines let in)."""
    flat = " ".join(text.split())
    kept = sum(p in flat for p in page.article) / len(page.article)
    return kept, sum(c in flat for c in page.clutter)
