"""Publication dates as sites and feeds publish them (issue 13 item 3): metadata parsing in the
reading stage, day/month order, and a date found on every page style."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provenance import parse_date, read
from provenance.read.dates import date_from_url

NOW = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.mark.parametrize(("value", "dayfirst", "iso"), [
    ("16/03/2023", None, "2023-03-16"),  # 16 cannot be a month
    ("03/16/2023", None, "2023-03-16"),
    ("16.03.2023", None, "2023-03-16"),
    ("16-03-2023 09:30", None, "2023-03-16T09:30"),
    ("05/04/2023", True, "2023-04-05"),
    ("05/04/2023", False, "2023-05-04"),
    ("04/04/2023", None, "2023-04-04"),  # the same either way
    ("16/03/2023", False, "2023-03-16"),  # the value wins over the option
])
def test_day_month_order(value, dayfirst, iso):
    when, problem = parse_date(value, NOW, dayfirst=dayfirst)
    assert problem is None and when.isoformat().startswith(iso)


def test_ambiguous_and_impossible_numeric_dates_are_refused_with_the_fix():
    when, problem = parse_date("05/04/2023", NOW)
    assert when is None and "ambiguous date '05/04/2023'" in problem and "dayfirst" in problem
    assert "neither 13 nor 14 is a month" in parse_date("13/14/2023", NOW)[1]
    assert "unrecognized" in parse_date("31/02/2023", NOW)[1]


@pytest.mark.parametrize(("url", "day"), [
    ("https://example.org/world/2023/04/05/nato-warns-china/", "2023-04-05"),
    ("https://example.org/2023-04-05/nato", "2023-04-05"),
    ("https://example.org/news/20230405/nato.html", "2023-04-05"),
    ("https://example.org/2023/13/05/x", None),
    ("https://example.org/story/12345678", None),
    (None, None),
])
def test_dates_in_urls(url, day):
    assert date_from_url(url) == day


def test_dayfirst_reaches_the_scan_output():
    from provenance import Document, analyze
    docs = [Document("a", "NATO warned China. Stoltenberg spoke.", published="05/04/2023"),
            Document("b", "NATO warned China today. Stoltenberg spoke.")]
    row = analyze(docs).to_dict()["documents"][0]
    assert row["published_utc"] is None and "ambiguous" in row["date_problem"]


def test_feed_fields_and_url_dates_in_records(tmp_path, write):
    write("feed.jsonl", '{"id": 1, "text": "A.", "pubDate": "Wed, 05 Apr 2023 10:00:00 +0200"}\n'
          '{"id": 2, "text": "B.", "datePublished": "2023-04-06"}\n'
          '{"id": 3, "text": "C.", "url": "https://x.org/2023/04/07/c"}\n')
    docs = {d.id: d for d in read(tmp_path).documents}
    assert docs["feed:1"].published == "Wed, 05 Apr 2023 10:00:00 +0200"
    assert docs["feed:2"].published == "2023-04-06"
    assert docs["feed:3"].published == "2023-04-07"
    assert "taken from the URL" in docs["feed:3"].notes[0]
