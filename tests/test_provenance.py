from __future__ import annotations

import json
from datetime import UTC, datetime

import networkx as nx
import pytest

from provenance import Document, analyze, read
from provenance.passages.finder import Passage
from provenance.text.sentences import sentences
from provenance.trace.attribution import attributions, source_kind
from provenance.trace.dates import date_info, parse_date
from provenance.trace.direction import details
from provenance.trace.graph import build_edges, to_dot, to_graphml
from tests.builders import credits_in


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Politico reported on March 16 that Chinese companies had exported 1,000 assault rifles.",
     ("Politico", "outlet", "reported")),
    ("The meeting was planned, according to The Hill.", ("The Hill", "outlet", "according to")),
    ("Jens Stoltenberg, NATO's secretary general, told Reuters on Thursday.",
     ("Reuters", "outlet", "told")),
    ("The Wall Street Journal reports that U.S. intelligence has proof.",
     ("The Wall Street Journal", "outlet", "reported")),
    ("Russia lost half its tanks, writes the British newspaper The Independent.",
     ("The Independent", "outlet", "writes")),
    ("According to Euronews, Stoltenberg used the phrase.", ("Euronews", "outlet", "according to")),
    ("The Institute for the Study of War said that Putin failed.",
     ("The Institute for the Study of War", "statement", "said")),
    ("U.S. Secretary of State Antony Blinken warned China of the consequences.",
     ("U.S. Secretary of State Antony Blinken", "person", "said")),
])
def test_attributions_on_real_sentences(sentence, expected):
    assert expected in credits_in(sentence)


def test_not_attributions():
    assert credits_in("He said the talks would go on. Officials said nothing.") == []
    assert credits_in("Stoltenberg told reporters in Brussels.") == []
    assert credits_in("The claim spread, according to Hungarian media.") == []
    assert credits_in("Stoltenberg on Tuesday warned China.") == []
    # bylines and photo credits are boilerplate, not attributions of content
    assert credits_in("By Dénes Albert\n(AP Photo/Alastair Grant)\nFILE - Reuters reported "
                      "it.") == []
    # an article does not attribute to itself
    assert credits_in("Politico reported on Monday that talks stalled.", outlet="Politico") == []


def test_people_holding_an_office_and_passive_reports():
    assert credits_in("The head of NATO warned China on Monday.") == [
        ("head of NATO", "person", "said")]
    assert credits_in("A spokesman for the Kremlin said talks stalled.") == [
        ("spokesman for the Kremlin", "person", "said")]
    # passive "reported by", and a name used as a modifier, are not sources
    assert credits_in("Visits reported by the Google toolbar also count.") == []
    assert credits_in("The claim was reported by Reuters.") == [("Reuters", "outlet", "report by")]


def test_source_kinds():
    assert source_kind("BBC") == "outlet"
    assert source_kind("The Daily Planet") == "outlet"
    assert source_kind("Ministry of Defence") == "organization"
    assert source_kind("Maria Shagina") == "person"
    assert source_kind("Officials") is None


def test_seed_attributions(seeds_dir):
    docs = {d.id[:3]: d for d in read(seeds_dir).documents}
    outlets = {(k, a.source) for k, d in docs.items() for a in attributions(d)
               if a.kind == "outlet"}
    assert {("000", "Politico"), ("000", "Euronews"), ("001", "BBC"), ("002", "Reuters"),
            ("002", "The Wall Street Journal"), ("003", "The Hill"),
            ("004", "The Independent")} <= outlets
    for d in docs.values():
        for a in attributions(d):
            assert d.text[a.start : a.end] == a.text


def test_thousands_of_attributions_in_one_document():
    text = " ".join(f"Reuters reported item {i}. According to The Hill, item {i} held."
                    for i in range(2000))
    atts = attributions(Document("big", text))
    assert len(atts) == 4000


@pytest.mark.parametrize(("value", "iso"), [
    ("2023-04-05T10:00:00Z", "2023-04-05T10:00:00+00:00"),
    ("2023-04-05T12:00:00+02:00", "2023-04-05T10:00:00+00:00"),
    ("Wed, 05 Apr 2023 10:00:00 +0200", "2023-04-05T08:00:00+00:00"),
    ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.790000+00:00"),
    ("March 16, 2023", "2023-03-16T00:00:00+00:00"),
    ("Mar. 16, 2023", "2023-03-16T00:00:00+00:00"),
    ("16 March 2023", "2023-03-16T00:00:00+00:00"),
])
def test_published_formats(value, iso):
    when, problem = parse_date(value)
    assert problem is None and when.isoformat() == iso


def test_bad_dates_are_refused_not_invented():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    assert parse_date("2099-01-01", now)[1] == "date '2099-01-01' is in the future"
    assert "unrecognized" in parse_date("last Wednesday", now)[1]
    assert "unrecognized" in parse_date("Feb 30, 2023", now)[1]
    info = date_info("soon", sentences("On Wednesday NATO met. On March 16 it spoke."), now)
    assert info.published is None and "unrecognized" in info.problem
    assert info.not_before is None  # relative dates and dates without a year give nothing


@pytest.mark.parametrize(("text", "not_before"), [
    ("The war began on Feb. 24, 2022. Talks will resume on March 3, 2024.", "2022-02-24"),
    ("The summit is scheduled for 5 June 2023.", None),
    ("Aid runs until March 3, 2024.", None),
    ("Kyiv was attacked by Russia on Feb. 24, 2022.", "2022-02-24"),
    ("He spoke from Berlin on March 3, 2023.", "2023-03-03"),
])
def test_dates_announced_as_ahead_are_not_evidence(text, not_before):
    assert date_info(None, sentences(text)).not_before == not_before


def test_not_before_from_complete_dates_with_evidence(seeds_dir):
    text = (seeds_dir / "000_f9740930b9afea8b.txt").read_text(encoding="utf-8")
    info = date_info(None, sentences(text))
    assert info.not_before == "2022-02-24"
    assert "Feb. 24, 2022" in info.evidence


def test_seed_provenance(seeds_dir):
    analysis = analyze(read(seeds_dir))
    edges = {(e.source, e.target[:3], e.kind): e for e in analysis.edges}
    assert ("Politico", "000", "attributed") in edges
    politico_001 = edges[("Politico", "001", "rewrote")]
    assert politico_001.passages and "without naming it" in politico_001.reasons[0]
    # the quotation both give is a common source (derived from the families), not a copy
    quote = edges[("000_f9740930b9afea8b", "001", "common_source")]
    assert any("historic mistake with profound implications" in r for r in quote.reasons)
    assert not any(e.kind in ("copied", "rewrote", "undecided")
                   for e in analysis.edges if {e.source[:3], e.target[:3]} == {"000", "001"})
    data = analysis.to_dict()
    assert data["edges"] and data["attributions"] and data["families"]
    assert set(data["edges"][0]) == {"source", "target", "kind", "confidence", "reasons",
                                     "passages"}
    assert set(data["attributions"][0]) >= {"doc", "source", "start", "end", "text"}


def _passage(a, b, kind="rewritten", a_text="Shares rose 5 pct on Monday in London.",
             b_text="Shares rose on Monday."):
    return Passage(a, b, 0, len(a_text), 0, len(b_text), a_text, b_text, 0.6, kind, False, None)


def test_publication_times_decide_the_direction():
    text = "Shares rose 5 pct on Monday in London."
    p = _passage("early", "late", a_text=text, b_text=text)
    dates = {"early": date_info("2023-01-01T00:00:00Z", []),
             "late": date_info("2023-01-02T00:00:00Z", [])}
    [edge] = build_edges([p], [], dates)
    assert (edge.source, edge.target, edge.kind) == ("early", "late", "rewrote")
    assert any("published first" in r for r in edge.reasons)
    assert edge.confidence > 0.5
    swapped = {"early": dates["late"], "late": dates["early"]}
    [edge] = build_edges([p], [], swapped)
    assert (edge.source, edge.target) == ("late", "early")


def test_a_copy_keeps_its_attribution_and_is_still_a_copy():
    text = "According to Acme Corp, profits rose 5 pct in 1986."  # a credit, not a statement
    p = _passage("early", "late", kind="identical", a_text=text, b_text=text)
    atts = [a for doc in ("early", "late") for a in attributions(Document(doc, text))]
    dates = {"early": date_info("1987-03-01T10:00:00Z", []),
             "late": date_info("1987-03-01T11:00:00Z", [])}
    kinds = {(e.source, e.target, e.kind) for e in build_edges([p], atts, dates)}
    assert kinds == {("Acme Corp", "early", "attributed"), ("Acme Corp", "late", "attributed"),
                     ("early", "late", "copied")}


def test_near_duplicates_are_a_copy_whatever_they_quote():
    from provenance.similarity.pairs import Pair

    text = 'He said: "Rates will stay where they are for now, and we will watch prices."'
    quoted = Passage("early", "late", 0, len(text), 0, len(text), text, text, 1.0, "identical",
                     True, "Rates will stay where they are")
    dates = {"early": date_info("1987-03-01T10:00:00Z", []),
             "late": date_info("1987-03-02T10:00:00Z", [])}
    docs = [Document("early", text), Document("late", text), Document("x", "Short."),
            Document("y", "Short.")]
    alone = build_edges([quoted], [], dates, docs)
    assert [e.kind for e in alone] == ["common_source"]  # two documents quoting one speaker
    pairs = [Pair("early", "late", 1.0, 1.0, 1.0, 1.0), Pair("x", "y", 0.9, 0.9, 0.9, 0.9)]
    dates["x"], dates["y"] = dates["late"], dates["early"]
    edges = {(e.source, e.target, e.kind): e for e in build_edges([quoted], [], dates, docs, pairs)}
    assert set(edges) == {("early", "late", "copied"), ("y", "x", "copied")}
    assert edges[("y", "x", "copied")].passages == ()  # too short for passages, still a copy
    assert edges[("early", "late", "copied")].reasons[0].startswith("near-duplicate documents")


def test_weak_evidence_is_undecided_and_cycles_are_harmless():
    same = "Talks resumed in Geneva."
    p = _passage("a", "b", a_text=same, b_text=same)
    [edge] = build_edges([p], [], {})
    assert edge.kind == "undecided" and edge.confidence == 0.5
    ps = [_passage(a, b, a_text="talks resumed", b_text="talks resumed")
          for a, b in (("x", "y"), ("y", "z"), ("x", "z"))]
    dates = {"x": date_info("2023-01-03", []), "y": date_info("2023-01-01", []),
             "z": date_info("2023-01-02", [])}
    edges = build_edges(ps, [], dates)
    assert {(e.source, e.target) for e in edges} == {("y", "x"), ("y", "z"), ("z", "x")}


def test_passages_of_a_pair_are_weighed_together():
    # Each passage alone is too weak; together the fuller side (numbers and names the other
    # drops) and the coverage (b is nothing but what it shares with a) point the same way.
    a_text = ("Simula, created in 1967, introduced classes. Conversely, objects hold state."
              " Other material that only the source has, at some length, goes here.")
    b_text = "Simula introduced classes. Objects hold state."
    ps = [Passage("a", "b", 0, 44, 0, 26, a_text[:44], b_text[:26], 0.6, "rewritten", False,
                  None),
          Passage("a", "b", 45, 76, 27, 46, a_text[45:76], b_text[27:], 0.7, "near_verbatim",
                  False, None)]
    docs = [Document("a", a_text), Document("b", b_text)]
    [edge] = build_edges(ps, [], {}, docs)
    assert (edge.source, edge.target, edge.kind) == ("a", "b", "rewrote")  # mostly rewritten
    assert any("fuller version (adds 1967)" in r for r in edge.reasons)
    assert any("b is mostly made of what it shares with a" in r for r in edge.reasons)
    assert edge.passages == (0, 1)
    assert edge.confidence == 0.6 and "no publication dates" in edge.reasons[-1]
    # publication times decide, whatever the text says
    dates = {"a": date_info("2023-01-02T00:00:00Z", []), "b": date_info("2023-01-01T00:00:00Z", [])}
    [edge] = build_edges(ps, [], dates, docs)
    assert (edge.source, edge.target) == ("b", "a") and "b was published first" in edge.reasons[0]
    # "Conversely" opens a sentence: capitalized, but not a detail
    assert details("Conversely, objects hold state. In 1967 Simula came.") == {"1967", "Simula"}
    # without the documents' lengths, the details alone do not decide
    [edge] = build_edges(ps, [], {})
    assert edge.kind == "undecided"


def test_graph_exports(seeds_dir):
    analysis = analyze(read(seeds_dir))
    graphml = to_graphml(analysis.documents, analysis.edges)
    g = nx.parse_graphml(graphml, force_multigraph=True)
    assert g.nodes["Politico"]["kind"] == "source"
    assert g.nodes["000_f9740930b9afea8b"]["kind"] == "document"
    dot = to_dot(analysis.documents, analysis.edges)
    assert dot.startswith("digraph provenance {") and '"Politico" -> "000_f9740930b9afea8b"' in dot


def test_trace_cli(seeds_dir, tmp_path):
    from click.testing import CliRunner

    from provenance_cli.main import cli

    graph, dot = tmp_path / "g.graphml", tmp_path / "g.dot"
    result = CliRunner().invoke(cli, ["trace", str(seeds_dir), "--graphml", str(graph),
                                      "--dot", str(dot)])
    assert result.exit_code == 0, result.output
    assert "Politico" in result.stdout and "without naming it" in result.stdout
    assert graph.read_text().startswith("<?xml") and dot.read_text().startswith("digraph")
    data = json.loads(CliRunner().invoke(cli, ["trace", str(seeds_dir), "-f", "json"]).stdout)
    assert {"families", "outlet_flows", "churnalism", "edges", "attributions",
            "documents"} == set(data)
    assert data["families"][0]["id"] == "f1"
    churn = {c["doc"]: c for c in data["churnalism"]}  # every document, its share and sources
    assert set(churn) == {d["id"] for d in data["documents"]}
    assert any(c["share"] > 0 and c["sources"][0][0] == "Politico" for c in churn.values())


def test_every_whole_reissue_keeps_a_copy_edge_even_as_siblings_or_quoting_one_speaker():
    """Reuters sends a story three times; the second and third are siblings in its family (both
    from the first) and all three quote one speaker -- yet each pair is one story sent again
    (Jaccard >= 0.8), so each gets a ``reissued`` edge from the earlier to the later."""
    story = ("The central bank left its main lending rate unchanged at 4.5 pct on Thursday. "
             "\"Rates will stay where they are for now, and we will watch prices closely,\" "
             "governor Anna Berg told reporters in Stockholm after the board meeting. "
             "Economists polled last week had expected the decision, citing slowing inflation "
             "and weak exports of timber and steel during the winter months. "
             "The krona firmed slightly against the euro after the announcement.")
    times = ["1987-03-01T10:00:00+00:00", "1987-03-01T10:20:00+00:00",
             "1987-03-01T11:05:00+00:00"]
    docs = [Document(f"r{i}", story + (" Corrects spelling." if i else ""), outlet="Reuters",
                     published=t) for i, t in enumerate(times)]
    docs.append(Document("other", "Floods closed the northern railway line for a second day "
                         "as rivers rose across the valley and crews worked through the night.",
                         outlet="Reuters", published="1987-03-01T09:00:00+00:00"))
    analysis = analyze(docs)
    kinds = {(e.source, e.target): e.kind for e in analysis.edges
             if {e.source, e.target} <= {"r0", "r1", "r2"}}
    for early, late in (("r0", "r1"), ("r0", "r2"), ("r1", "r2")):
        assert kinds.get((early, late)) == "reissued", (early, late, kinds)
    assert not any(k == "common_source" for k in kinds.values())
