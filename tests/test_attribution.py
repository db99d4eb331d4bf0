"""Credits, precisely: outlets, organizations' own statements, re-issues by one outlet."""

from __future__ import annotations

import pytest

from provenance import Document, read
from provenance.passages.finder import Passage
from provenance.trace.attribution import attributions, source_kind
from provenance.trace.dates import date_info
from provenance.trace.graph import build_edges
from tests.builders import credits_in


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Blinken reiterated his claim during an interview with ABC’s “This Week” program.",
     ("ABC", "outlet", "program")),
    ("She echoed his remark on CNN's \"State of the Union\" on the same day.",
     ("CNN", "outlet", "program")),
    ("The Institute for the Study of War, a D.C.-based think tank, said that Putin failed.",
     ("The Institute for the Study of War", "outlet", "think tank")),
    ("Talks stalled, according to Hungarian newspaper Magyar Nemzet.",
     ("Magyar Nemzet", "outlet", "newspaper")),
    ("The interview was first published by Kyiv Daily on Monday.",
     ("Kyiv Daily", "outlet", "published by")),
    ("The figures were leaked to the newspaper Le Soir last week.",
     ("Le Soir", "outlet", "newspaper")),
])
def test_outlet_forms(sentence, expected):
    assert expected in credits_in(sentence)


def test_an_organization_speaking_for_itself_is_a_statement():
    assert credits_in("Acme Corp said profits rose 5 pct in 1986.") == [
        ("Acme Corp", "statement", "said")]
    assert credits_in("NATO said Beijing sending lethal aid would be a mistake.") == [
        ("NATO", "statement", "said")]
    # credited for content, it is still an organization
    assert ("the Ministry of Defence", "organization", "according to") in [
        (s.replace("The ", "the "), k, c) for s, k, c in
        credits_in("Russia lost 200 tanks, according to the Ministry of Defence.")]


def test_companies_are_not_outlets():
    assert source_kind("American Express") == "organization"
    assert source_kind("Sun Co") == "organization"
    assert source_kind("Reuters Holdings") == "organization"
    assert source_kind("Daily Express") == "outlet"
    assert source_kind("The Sun") == "outlet"
    assert source_kind("Evening Standard") == "outlet"
    assert credits_in("American Express said card spending rose.") == [
        ("American Express", "statement", "said")]


def test_seed_credits_a_careful_reader_sees(seeds_dir):
    docs = {d.id[:3]: d for d in read(seeds_dir).documents}
    got = {(k, a.source, a.kind) for k, d in docs.items() for a in attributions(d)}
    assert {("000", "The Institute for the Study of War", "outlet"),
            ("002", "Magyar Nemzet", "outlet"), ("003", "ABC", "outlet"),
            ("003", "CNN", "outlet")} <= got
    for d in docs.values():
        for a in attributions(d):
            assert d.text[a.start : a.end] == a.text  # every credit keeps its sentence


def test_statements_make_no_attributed_edge():
    text = "Acme Corp said profits rose 5 pct in 1986. According to Reuters, sales fell."
    edges = build_edges([], attributions(Document("d", text)), {})
    assert {(e.source, e.kind) for e in edges} == {("Reuters", "attributed")}


def _passage(a, b, text, kind="rewritten"):
    return Passage(a, b, 0, len(text), 0, len(text), text, text, 0.6, kind, False, None)


@pytest.mark.parametrize(("outlets", "kind"), [(("Reuters", "Reuters"), "reissued"),
                                               (("Reuters", "AP"), "rewrote"),
                                               ((None, None), "rewrote")])
def test_a_story_updated_by_its_own_outlet_is_reissued(outlets, kind):
    text = "Shares of Acme rose 5 pct on Monday in London after the merger was announced."
    docs = [Document("early", text, outlet=outlets[0]), Document("late", text, outlet=outlets[1])]
    dates = {"early": date_info("1987-03-01T10:00:00Z", []),
             "late": date_info("1987-03-01T11:00:00Z", [])}
    [edge] = build_edges([_passage("early", "late", text)], [], dates, docs)
    assert (edge.source, edge.target, edge.kind) == ("early", "late", kind)


@pytest.mark.parametrize("text", [
    "According to " + " ".join(["Reuters"] * 10_000) + " said.",
    " ".join(["Acme said the"] * 10_000),
])
def test_a_10000_word_attribution_sentence_is_read_in_bounded_time(text):
    import time

    start = time.perf_counter()
    found = attributions(Document("long", text))
    assert time.perf_counter() - start < 10.0  # ~1 s here; was minutes (quadratic)
    assert len(found) <= 2


def test_audiences_and_quotations_are_not_credits():
    assert not any(k in ("outlet", "organization") for _, k, _ in
                   credits_in("Acme Inc told the Securities and Exchange Commission it holds "
                              "5 pct."))
    assert not any(s == "President Ronald Reagan" and k == "outlet" for s, k, _ in
                   credits_in("President Ronald Reagan's \"trade bill\" was debated."))
    assert ("MCI", "statement", "reported") in credits_in("MCI reported a 448 mln dlr loss.")


def test_offices_agencies_and_clauses_are_not_outlets():
    assert source_kind("Economic Planning Agency") == "organization"
    assert source_kind("University of Missouri Agricultural Economist Glenn Grimes") != "outlet"
    assert source_kind("The Economist") == "outlet"
    assert source_kind("New China News Agency") == "outlet"
    assert not any(s == "The Soviet Union" for s, _, _ in credits_in(
        "He told the newspaper the Soviet Union lacked adequate repair facilities."))
    # "weekly" and "daily" as adjectives before a company, and a lone generic word
    assert not any(k == "outlet" for _, k, _ in credits_in(
        "The latest weekly Hughes Tool Co rig count showed 761 U.S. rigs active."))
    assert credits_in("Press reports said Kaufhof wanted a stake of up to 12.5 pct.") == []
    assert not any(s == "Saudi Arabia" for s, _, _ in credits_in(
        "Thatcher denied it in an interview published in Saudi Arabia on Sunday."))
    assert ("Le Monde", "outlet", "published by") in credits_in(
        "The letter was first published in Le Monde on Tuesday.")
    assert ("The Associated Press", "outlet", "reported") in credits_in(
        "The Associated Press reported the deal on Monday.")
