"""Article text out of pages in several CMS styles (issue 13 item 2) and their dates (item 3):
the pages of tests/pages.py, written by the tests."""

from __future__ import annotations

import pytest

from provenance import Document, analyze, parse_date, read
from provenance.read.html import extract_html
from tests.pages import PAGES, TestPage, score

# Clutter lines let in, as measured on each page (README, Inputs): 0 everywhere except the
# reading time ("3 min read") of the held-out blog page, which the text stage flags.
LET_IN = {"blog_held_out": 1}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_article_kept_and_clutter_left_out(page: TestPage):
    text = extract_html(page.html).text
    kept, let_in = score(text, page)
    assert kept == 1.0, text
    assert let_in <= LET_IN.get(page.name, 0), text


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_old_rules_let_clutter_in(page: TestPage):
    """What the clutter rules are for: without them every page lets in clutter."""
    assert score(extract_html(page.html, clutter=False).text, page)[1] > 0


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_a_date_is_found_on_every_page_style(page: TestPage, tmp_path):
    (tmp_path / f"{page.name}.html").write_text(page.html, encoding="utf-8")
    [doc] = read(tmp_path).documents
    when, problem = parse_date(doc.published)
    assert problem is None and when.date().isoformat() == page.published


def test_json_ld_date_published_wins_over_date_modified_and_meta():
    [page] = [p for p in PAGES if p.name == "news_json_ld"]
    assert extract_html(page.html).meta["published"] == "2023-06-12T07:30:00Z"
    only_modified = page.html.replace('"datePublished": "2023-06-12T07:30:00Z", ', "")
    got = extract_html(only_modified)
    assert got.meta["published"] == "2023-06-12T09:00:00Z"
    assert any("dateModified" in n for n in got.notes)


def test_clutter_inside_article_is_not_evidence_between_unrelated_stories(tmp_path):
    """Two unrelated stories in the same CMS share only its clutter: no passage, no pair."""
    [page] = [p for p in PAGES if p.name == "wordpress"]
    other = ("A storm closed the northern ferry routes for a second day on Friday.",
             "Forecasters said winds would ease by Sunday evening, and the operator promised "
             "refunds to passengers whose crossings were cancelled.",
             "Fishing boats stayed in harbour, and the coastguard reported two rescues.")
    body = "".join(f"<p>{p}</p>\n" for p in page.article)
    swapped = page.html.replace(body, "".join(f"<p>{p}</p>\n" for p in other))
    assert swapped != page.html
    (tmp_path / "council.html").write_text(page.html, encoding="utf-8")
    (tmp_path / "storm.html").write_text(swapped, encoding="utf-8")
    docs = read(tmp_path).documents
    analysis = analyze(docs)
    assert analysis.passages == ()
    assert all(p.jaccard == 0 for p in analysis.pairs)
    old = [Document(d.id, extract_html((tmp_path / f"{d.id}.html").read_text(),
                                       clutter=False).text) for d in docs]
    assert any(p.jaccard > 0 for p in analyze(old).pairs)  # the share bar and lists matched
    from provenance.index import Index
    with Index(str(tmp_path / "archive.db")) as index:
        index.add([docs[0]])
        assert index.query(docs[1], passages=True) == []
