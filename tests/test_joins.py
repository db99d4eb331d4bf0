"""Which stored family a new article joins (``Index.query_families``, ``index query``): a
planted archive of wire stories and outlets with dates, a query joining nothing, a query
joining two families, the CLI's text and JSON, determinism, and the function's refusals."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from provenance import Document
from provenance.errors import ConfigError
from provenance.index import Answer, Index, Match
from provenance.passages.finder import align
from provenance.trace.joins import join_families
from provenance_cli.main import cli
from tests.test_families import OWN, WIRE, _rewrite, cascade

HARBOUR = [
    "Dockworkers at the port of Lindqvist walked off the job on Friday over a dispute about "
    "night shift pay.",
    "The strike halted the unloading of 14 container ships waiting in the outer harbour.",
    "Union spokeswoman Petra Haldane said talks with the port operator had collapsed after "
    "eleven hours.",
    "Grocery chains warned that shelves of imported fruit could empty within a week.",
    "The port handles about 2.6 million containers a year and employs 3,900 people.",
    "Mediators from the labour ministry were expected to call both sides back on Monday.",
]


HARBOUR_OWN = [
    "Fishing crews moored their trawlers along the canal to keep the quays clear.",
    "A cruise liner diverted to the neighbouring port of Saltmere with 1,800 passengers.",
    "Truck drivers queued for hours on the ring road outside the container terminal.",
]


def harbour_story() -> list[Document]:
    """A second planted story: a wire report and two outlets rewriting it, a day later."""
    rng = random.Random(5)
    docs = [Document("harbour-wire", " ".join(HARBOUR), outlet="Coast Wire",
                     published="2024-04-09T07:00:00+00:00")]
    for k in range(2):
        docs.append(Document(f"harbour{k}", _rewrite(HARBOUR, rng, HARBOUR_OWN[k]),
                             outlet=f"Harbour Outlet {k}",
                             published=f"2024-04-09T{9 + k:02d}:00:00+00:00"))
    return docs


@pytest.fixture
def archive(tmp_path):
    """The dam cascade (wire, eight outlets, copier1) and the harbour story, indexed; the
    queries: copier2 (a copy of outlet0) and a new rewrite of the dam wire."""
    docs, truth = cascade(True)
    stored = [d for d in docs if d.id != "copier2"] + harbour_story()
    db = str(tmp_path / "archive.db")
    with Index(db) as ix:
        ix.add(stored)
    return db, {d.id: d for d in docs}, truth


def _fresh_rewrite() -> Document:
    text = _rewrite(WIRE, random.Random(99), "A ferry service was added for stranded commuters.")
    return Document("late-rewrite", text, outlet="Evening Post",
                    published="2024-04-09T12:00:00+00:00")


def test_a_copy_of_an_outlet_joins_the_wire_family_with_the_outlet_as_parent(archive):
    db, docs, truth = archive
    with Index(db, create=False) as ix:
        answer = ix.query_families(docs["copier2"], k=12)
        assert isinstance(answer, Answer)
        assert answer.matches == tuple(ix.query(docs["copier2"], k=12))  # query is unchanged
    assert len(answer.families) == 1
    joined = answer.families[0]
    family = joined.family
    assert family.origin.kind == "document" and family.origin.doc == "wire"
    assert joined.key.startswith("wire:") and family.id == joined.key
    assert {m.doc for m in joined.stored} == set(truth) - {"copier2"}
    assert joined.first.doc == "wire" and joined.first.published == "2024-04-08T06:00:00+00:00"
    # members in time order, the query (19:00) last
    times = [m.published for m in family.members]
    assert times == sorted(times) and family.members[-1] is joined.member
    m = joined.member
    assert m.doc == "copier2" and m.parent == truth["copier2"] == "outlet0"
    assert m.relation == "copied"
    assert any("added to the origin" in r for r in m.reasons)
    assert m.reasons[0].startswith("published after outlet0")
    # the harbour story shares nothing with it
    assert not any(x.doc.startswith("harbour") for x in family.members)


def test_a_new_rewrite_of_the_wire_hangs_from_the_wire(archive):
    db, _, _ = archive
    with Index(db, create=False) as ix:
        answer = ix.query_families(_fresh_rewrite(), k=12)
    [joined] = answer.families
    assert joined.family.origin.doc == "wire"
    assert joined.member.parent == "wire" and joined.member.relation == "rewrote"
    assert joined.member.confidence == 0.85


def test_a_query_that_repeats_nothing_joins_nothing(archive):
    db, _, _ = archive
    text = ("The botanical society counted 212 species of moss on the northern slopes this "
            "summer. Volunteers catalogued lichens on every boulder above the tree line.")
    with Index(db, create=False) as ix:
        answer = ix.query_families(Document("moss", text))
        assert ix.query_families("").families == ()
    assert answer == Answer("moss", (), ())
    assert answer.to_dict() == {"query": "moss", "matches": [], "families": []}


def test_a_query_joining_two_families_gets_both_in_its_own_order(archive):
    db, docs, _ = archive
    # the first half rewrites the harbour story, the second repeats the dam wire's outlet0
    harbour = _rewrite(HARBOUR, random.Random(3), HARBOUR_OWN[2])
    dam = ". ".join(docs["outlet0"].text.split(". ")[:5]) + "."
    query = Document("roundup", harbour + "\n\n" + dam, outlet="Weekly Roundup",
                     published="2024-04-10T08:00:00+00:00")
    with Index(db, create=False) as ix:
        answer = ix.query_families(query, k=15)
    assert [j.family.origin.doc for j in answer.families] == ["harbour-wire", "wire"]
    first, second = answer.families
    assert first.member.end <= second.member.start  # the query's order
    assert first.key.startswith("harbour-wire:") and second.key.startswith("wire:")
    assert {m.doc for m in first.stored} <= {"harbour-wire", "harbour0", "harbour1"}
    assert first.member.parent in {"harbour-wire", "harbour0", "harbour1"}
    assert second.member.parent == "outlet0"
    assert all(not m.doc.startswith("harbour") for m in second.stored)


def test_without_dates_the_family_starts_from_the_version_that_explains_the_others(tmp_path):
    docs, truth = cascade(False)
    with Index(str(tmp_path / "undated.db")) as ix:
        ix.add([d for d in docs if d.id != "copier2"])
        [joined] = ix.query_families(next(d for d in docs if d.id == "copier2"), k=12).families
    assert joined.family.origin.doc == "wire" and "no publication dates" in \
        joined.family.origin.reason
    assert joined.first.doc == "wire" and joined.key.startswith("wire:")
    assert joined.member.parent == "outlet0" and joined.member.confidence == 0.6
    assert joined.member.reasons[0] == "no publication dates: from the text alone"


def test_the_key_does_not_depend_on_the_query_id_and_the_answer_is_deterministic(archive):
    db, docs, _ = archive
    copy = docs["copier2"]
    with Index(db, create=False) as ix:
        one = ix.query_families(copy, k=12)
        two = ix.query_families(Document("another-name", copy.text, outlet=copy.outlet,
                                         published=copy.published), k=12)
        again = ix.query_families(copy, k=12)
    assert one.families[0].key == two.families[0].key
    assert json.dumps(one.to_dict()) == json.dumps(again.to_dict())


def test_index_query_leads_with_the_family_and_json_adds_families(archive, tmp_path):
    db, docs, _ = archive
    path = tmp_path / "copier2.jsonl"
    path.write_text(json.dumps({"id": "copier2", "text": docs["copier2"].text,
                                "outlet": "Copier 1",
                                "published": docs["copier2"].published}) + "\n")
    runner = CliRunner()
    table = runner.invoke(cli, ["index", "query", db, str(path), "-k", "12"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].startswith("copier2:copier2: joins family wire:")
    assert ("(10 stored documents, first wire, published 2024-04-08T06:00:00+00:00) with "
            "its text [0:") in lines[0]
    assert lines[1].startswith("  origin wire: wire was published first")
    assert lines[2].startswith("  parent outlet0 (copied, 0.85): published after outlet0")
    assert lines[3] == "copier2:copier2: 10 matches"
    out = runner.invoke(cli, ["index", "query", db, str(path), "-k", "12", "-f", "json"])
    answer = json.loads(out.stdout)
    [family] = answer["families"]
    assert family["key"] == lines[0].split()[3] and family["stored"] == 10
    assert family["origin"]["doc"] == "wire" and family["parent"] == "outlet0"
    assert [m["doc"] for m in family["members"]][0] == "wire"
    assert len(answer["matches"]) == 10
    bare = runner.invoke(cli, ["index", "query", db, str(path), "--no-passages", "-f", "json"])
    assert json.loads(bare.stdout)["families"] is None  # not computed without passages
    nothing = tmp_path / "moss.txt"
    nothing.write_text("The botanical society counted 212 species of moss this summer.")
    said = runner.invoke(cli, ["index", "query", db, str(nothing)])
    assert said.stdout == "moss: no matches\n"  # said once


def test_join_families_refuses_passages_that_are_not_the_querys():
    a = Document("a", " ".join(WIRE))
    b = Document("b", _rewrite(WIRE, random.Random(1), OWN[0]))
    c = Document("c", _rewrite(WIRE, random.Random(2), OWN[1]))
    with pytest.raises(ConfigError, match="not one of the query's"):
        join_families(a, [b, c], align(b, c))
    with pytest.raises(ConfigError, match="id of its own"):
        join_families(a, [Document("a", "x")], [])
    assert join_families(a, [b], []) == []
    [joined] = join_families(a, [b], align(a, b))
    assert joined.member.doc == "a" and [m.doc for m in joined.stored] == ["b"]
    # no dates: the fuller version explains the other
    assert joined.family.origin.kind in ("document", "undecided")


def test_match_type_is_unchanged():
    assert Match.__dataclass_fields__.keys() >= {"id", "similarity", "passages"}
