"""Reuse families: grouping, origin, spread tree, edges derived from trees, flows, churnalism,
and the bad inputs (huge families, equal times, credit cycles, dates against credits)."""

from __future__ import annotations

import json
import random
import re

import pytest

from provenance import Document, ScanConfig, analyze, read
from provenance.passages.finder import Passage
from provenance.scan import COLLAPSE_AT
from provenance.trace import Family, build_families, churnalism, outlet_flows
from provenance.trace.attribution import Attribution
from provenance.trace.dates import DateInfo

# --- the cascade: one wire story, eight outlets rewriting it, two copying from one of them ---

WIRE = [
    "Engineers at the Vantor hydroelectric dam discovered a widening crack in the concrete "
    "spillway on Monday morning.",
    "The regional water authority ordered an immediate evacuation of 4,300 residents living "
    "downstream along the Sarn river valley.",
    "Authority director Miriam Okafor said inspectors had measured the fissure at nearly "
    "eleven metres long and growing.",
    "Emergency crews began releasing water through the auxiliary tunnels to lower pressure on "
    "the damaged wall.",
    "Schools in Brelton and Caddow were converted into temporary shelters for displaced "
    "families and their livestock.",
    "The dam, completed in 1968, supplies electricity to roughly 210,000 homes across the "
    "northern province.",
    "Geologists blamed weeks of unusually heavy rainfall and a minor earthquake recorded last "
    "Thursday.",
    "Repairs could take several months and cost an estimated 38 million euros, officials "
    "warned.",
]
SWAPS = {
    "discovered": "found", "widening": "growing", "immediate": "urgent", "living": "residing",
    "began": "started", "converted": "turned", "temporary": "makeshift",
    "roughly": "about", "blamed": "attributed the damage to", "unusually": "exceptionally",
    "several": "many", "warned": "cautioned", "measured": "recorded", "lower": "reduce",
}


def _rewrite(sentences: list[str], rng: random.Random, own: str) -> str:
    """An outlet's rewrite: some words swapped for synonyms, one sentence left out, and a
    sentence of its own."""
    out = []
    dropped = rng.randrange(1, len(sentences))
    for i, s in enumerate(sentences):
        if i == dropped:
            continue
        words = [SWAPS.get(w, w) if rng.random() < 0.6 else w for w in s.split()]
        out.append(" ".join(words))
    out.insert(rng.randrange(2, len(out)), own)
    return " ".join(out)


OWN = [
    "Local farmer Dag Pellow told neighbours he had never seen the river so swollen.",
    "Tourism operators along the gorge cancelled kayak excursions through the weekend.",
    "Opposition lawmaker Ines Varga demanded a parliamentary inquiry into maintenance budgets.",
    "Insurance brokers expect a surge of flood claims from orchards near Quellbridge.",
    "Railway operator Nordlink suspended freight trains crossing the Sarn viaduct.",
    "A volunteer brigade from Ostmark delivered blankets and bottled drinking water.",
    "Birdwatchers worried the release would flood heron nesting colonies on Tamsel island.",
    "Hospital staff in Brelton postponed elective surgery to free beds for evacuees.",
]
ADDITION = ("Satellite images obtained by the Daily Meridian show the crack had been visible "
            "since early March, raising questions about delayed inspections.")


def cascade(dated: bool = True) -> tuple[list[Document], dict[str, str | None]]:
    """Documents and the true parent of each (None for the wire story)."""
    rng = random.Random(14)
    stamp = (lambda h: f"2024-04-08T{h:02d}:00:00+00:00") if dated else (lambda h: None)
    docs = [Document("wire", " ".join(WIRE), outlet="Wire Agency", published=stamp(6))]
    truth: dict[str, str | None] = {"wire": None}
    rewrites = {}
    for k in range(8):
        text = _rewrite(WIRE, rng, OWN[k])
        doc_id = f"outlet{k}"
        if k == 0:
            text = text + " " + ADDITION  # outlet0 adds its own reporting
        rewrites[doc_id] = text
        docs.append(Document(doc_id, text, outlet=f"Outlet {k}", published=stamp(8 + k)))
        truth[doc_id] = "wire"
    source = rewrites["outlet0"].split(". ")
    for k, name in enumerate(("copier1", "copier2")):
        kept = [s for i, s in enumerate(source) if i != 3 + k]  # a light edit of outlet0
        text = ". ".join(kept) + f" Reporting by desk {k}."
        docs.append(Document(name, text, outlet=f"Copier {k}", published=stamp(18 + k)))
        truth[name] = "outlet0"
    return docs, truth


def _cascade_family(analysis) -> Family:
    return max(analysis.families, key=lambda f: f.size)


@pytest.mark.parametrize("dated", [True, False])
def test_cascade_tree_is_recovered(dated):
    docs, truth = cascade(dated)
    analysis = analyze(docs)
    family = _cascade_family(analysis)
    assert {m.doc for m in family.members} == set(truth)
    assert family.origin.kind == "document" and family.origin.doc == "wire"
    parents = {m.doc: m.parent for m in family.members}
    assert parents == truth
    copiers = [m for m in family.members if m.doc.startswith("copier")]
    assert all(any("added to the origin" in r for r in m.reasons) for m in copiers)
    if dated:
        assert [m.doc for m in family.members][:2] == ["wire", "outlet0"]  # time order
        assert family.first_published < family.last_published
    else:
        assert all(m.confidence <= 0.6 for m in family.members)
    # siblings: two rewrites of the wire get a common source, never a copy edge
    copy = {(e.source, e.target) for e in analysis.edges if e.kind in ("copied", "rewrote")}
    assert copy == {(p, d) for d, p in truth.items() if p}
    siblings = [e for e in analysis.edges if e.kind == "common_source"]
    assert siblings and all("took it from" in e.reasons[0] for e in siblings)


def test_cascade_flows_and_churn():
    docs, truth = cascade(True)
    analysis = analyze(docs)
    flows = {(f.source, f.target): f for f in analysis.outlet_flows}
    assert ("Outlet 0", "Copier 0") in flows and ("Wire Agency", "Outlet 3") in flows
    assert flows[("Outlet 0", "Copier 0")].first == "2024-04-08T18:00:00+00:00"
    churn = {c.doc: c for c in analysis.churnalism}
    assert churn["wire"].share == 0.0
    assert churn["copier1"].share > 0.8 and churn["copier1"].sources[0][0] == "Outlet 0"
    assert 0.3 < churn["outlet3"].share < 1.0


def test_families_json_is_deterministic_and_follows_the_contract():
    docs, _ = cascade(True)
    one = json.dumps(analyze(docs).to_dict(), sort_keys=True)
    two = json.dumps(analyze(list(reversed(docs))).to_dict(), sort_keys=True)
    assert one == two
    family = json.loads(one)["families"][0]
    assert set(family) == {"id", "size", "text", "origin", "first_published", "last_published",
                           "outlets", "members"}
    assert set(family["origin"]) == {"kind", "doc", "name", "reason"}
    assert set(family["members"][0]) == {"doc", "start", "end", "outlet", "published", "credits",
                                         "quoted", "speaker", "parent", "relation", "confidence",
                                         "reasons"}
    assert family["id"] == "f1"


# --- the seeds ------------------------------------------------------------------------------


def test_seed_families(seeds_dir):
    analysis = analyze(read(seeds_dir))
    rifle = next(f for f in analysis.families if "assault rifles" in f.text)
    members = {m.doc[:3]: m for m in rifle.members}
    assert set(members) == {"000", "001"}
    assert (rifle.origin.kind, rifle.origin.name) == ("source", "Politico")
    assert members["000"].credits == "Politico" and members["000"].relation == "credited"
    assert members["001"].credits is None and members["001"].relation in ("rewrote", "copied")
    quote = next(f for f in analysis.families
                 if any("historic mistake" in r for m in f.members for r in m.reasons))
    assert quote.origin.kind == "speaker" and "Stoltenberg" in quote.origin.name
    assert all(m.quoted and m.relation == "quoted" for m in quote.members)
    # a quotation is a common source: no copy edge between the two that quote it
    pair = {quote.members[0].doc, quote.members[1].doc}
    assert not [e for e in analysis.edges if {e.source, e.target} == pair
                and e.kind in ("copied", "rewrote")]


# --- bad input ------------------------------------------------------------------------------


def _passage(a: str, b: str, text_a: str, text_b: str, quoted=False) -> Passage:
    return Passage(a, b, 0, len(text_a), 0, len(text_b), text_a, text_b, 0.9,
                   "near_verbatim", quoted, None)


def _docs(texts: dict[str, str], outlets: dict[str, str] | None = None,
          published: dict[str, str] | None = None) -> list[Document]:
    outlets, published = outlets or {}, published or {}
    return [Document(k, v, outlet=outlets.get(k), published=published.get(k))
            for k, v in texts.items()]


STORY = "The harbour authority closed the northern pier after storm damage to its pilings."


@pytest.mark.slow
def test_a_family_of_100000_members_is_one_object_in_linear_time():
    n = 100_000
    texts = {f"d{i:06d}": STORY for i in range(n)}
    docs = _docs(texts)
    passages = [_passage("d000000", d, STORY, STORY) for d in list(texts)[1:]]
    dated = {d: DateInfo(published=f"2024-01-01T00:00:{i % 60:02d}+00:00")
             for i, d in enumerate(texts)}
    [family] = build_families(docs, passages, [], dated)
    assert family.size == n
    assert family.origin.kind == "undecided"  # 1,667 members share the first second
    assert "same time" in family.origin.reason
    [undated] = build_families(docs, passages, [], {})
    assert undated.origin.kind == "undecided" and "too large" in undated.origin.reason
    assert {m.relation for m in undated.members} == {"undecided"}


def test_equal_timestamps_are_not_ordered_by_invention():
    texts = {"a": STORY, "b": STORY}
    same = {d: DateInfo(published="2024-01-01T10:00:00+00:00") for d in texts}
    [family] = build_families(_docs(texts), [_passage("a", "b", STORY, STORY)], [], same)
    assert family.origin.kind == "undecided" and "same time" in family.origin.reason
    assert all(m.parent is None for m in family.members)
    assert {m.relation for m in family.members} == {"undecided"}


def _credit(doc: str, source: str, text: str) -> Attribution:
    return Attribution(doc, source, "outlet", "reported", 0, len(text), text)


def test_a_cycle_of_credits_is_undecided():
    a_text = "Beta News reported that " + STORY
    b_text = "Alpha Times reported that " + STORY
    texts = {"a": a_text, "b": b_text}
    atts = [_credit("a", "Beta News", a_text), _credit("b", "Alpha Times", b_text)]
    [family] = build_families(_docs(texts, {"a": "Alpha Times", "b": "Beta News"}),
                              [_passage("a", "b", a_text, b_text)], atts, {})
    assert all(m.relation == "undecided" and m.parent is None for m in family.members)
    assert all("cycle" in m.reasons[0] for m in family.members)


def test_dates_contradicting_a_credit_are_undecided():
    a_text = "Beta News reported that " + STORY
    texts = {"a": a_text, "b": STORY}
    atts = [_credit("a", "Beta News", a_text)]
    dates = {"a": DateInfo(published="2024-01-01T08:00:00+00:00"),
             "b": DateInfo(published="2024-01-01T09:00:00+00:00")}
    [family] = build_families(_docs(texts, {"a": "Alpha Times", "b": "Beta News"}),
                              [_passage("a", "b", a_text, STORY)], atts, dates)
    a = next(m for m in family.members if m.doc == "a")
    assert a.relation == "undecided" and a.parent is None
    assert "disagree" in a.reasons[0]
    # the credit alone (no contradicting dates) makes the credited outlet's story the parent
    [family] = build_families(_docs(texts, {"a": "Alpha Times", "b": "Beta News"}),
                              [_passage("a", "b", a_text, STORY)], atts, {})
    a = next(m for m in family.members if m.doc == "a")
    assert (a.parent, a.relation) == ("b", "credited")


def test_overlapping_spans_of_one_document_are_merged():
    x = "First sentence about the pier. Second sentence about the storm."
    docs = _docs({"a": x, "b": x, "c": x})
    ps = [Passage("a", "b", 0, 30, 0, 30, x[:30], x[:30], 0.9, "verbatim", False, None),
          Passage("a", "c", 10, len(x), 10, len(x), x[10:], x[10:], 0.9, "verbatim", False,
                  None)]
    [family] = build_families(docs, ps, [], {})
    a = next(m for m in family.members if m.doc == "a")
    assert (a.start, a.end) == (0, len(x))
    assert family.size == 3


# --- chaining: a family is one piece of text ------------------------------------------------

TAKEN = [" ".join(WIRE[:3]), " ".join(WIRE[3:6])]  # two paragraphs of the source
ADDED = ("Local farmer Dag Pellow told neighbours he had never seen the river so swollen in "
         "forty years.")  # the copier's own one-sentence paragraph, between the two


def test_a_third_document_sharing_only_an_added_paragraph_is_not_in_the_source_family():
    """D copies two paragraphs of S with a paragraph of its own between them (D's passage with
    S spans all three); I shares only D's paragraph. I carries none of S's text, so it is not
    in S's family -- it shares a family with D alone. (With occurrences merged on overlap
    alone, I chained into S's family through D's span.)"""
    docs = [Document("S", "\n\n".join([*TAKEN, " ".join(WIRE[6:])]),
                     published="2024-04-08T06:00:00+00:00"),
            Document("D", "\n\n".join([TAKEN[0], ADDED, TAKEN[1]]),
                     published="2024-04-08T09:00:00+00:00"),
            Document("I", "\n\n".join([OWN[3], ADDED, OWN[5]]),
                     published="2024-04-08T12:00:00+00:00")]
    analysis = analyze(docs)
    spans = {(p.a, p.b): (p.a_start, p.a_end) for p in analysis.passages}
    d_with_s, d_with_i = spans[("D", "S")], spans[("D", "I")]
    assert d_with_s[0] <= d_with_i[0] and d_with_i[1] <= d_with_s[1]  # the chaining setup
    source = next(f for f in analysis.families if "S" in {m.doc for m in f.members})
    assert source.origin.doc == "S"
    assert {m.doc for m in source.members} == {"S", "D"}
    assert not any({"S", "I"} <= {m.doc for m in f.members} for f in analysis.families)
    [added] = [f for f in analysis.families if "I" in {m.doc for m in f.members}]
    assert {m.doc: m.parent for m in added.members} == {"D": None, "I": "D"}
    d = next(m for m in added.members if m.doc == "D")
    assert ADDED in docs[1].text[d.start:d.end]


def test_a_rewrite_of_a_rewrite_stays_in_the_source_family():
    """The true chain: R1 rewrites S and adds a sentence, R2 rewrites R1 (that sentence too).
    The text is one piece, so S, R1 and R2 are one family, R2 below R1 below S."""
    rng = random.Random(3)
    first = _rewrite(WIRE, rng, OWN[0])
    second = _rewrite(re.split(r"(?<=\.) ", first), rng, OWN[1])
    docs = [Document("S", " ".join(WIRE), published="2024-04-08T06:00:00+00:00"),
            Document("R1", first, published="2024-04-08T09:00:00+00:00"),
            Document("R2", second, published="2024-04-08T12:00:00+00:00")]
    analysis = analyze(docs)
    [family] = [f for f in analysis.families if "R2" in {m.doc for m in f.members}]
    assert {m.doc: m.parent for m in family.members} == {"S": None, "R1": "S", "R2": "R1"}


def test_two_pieces_of_one_partner_that_overlap_in_a_document_stay_one_family():
    """A document that took two pieces of one source in its own order (its passages with the
    source overlap, each holding a different piece) holds one reuse of that source: one
    family, not one per piece."""
    s_text = " ".join(WIRE)
    first, second = " ".join(WIRE[4:6]), " ".join(WIRE[:2])
    d_text = first + " " + second
    late = s_text.index(first)
    docs = _docs({"S": s_text, "D": d_text})
    ps = [Passage("D", "S", 0, len(d_text), late, late + len(first), d_text, first, 0.6,
                  "rewritten", False, None),  # a passage run on past the first piece
          Passage("D", "S", len(first) + 1, len(d_text), 0, len(second), second, second, 1.0,
                  "verbatim", False, None)]
    [family] = build_families(docs, ps, [], {})
    spans = {m.doc: (m.start, m.end) for m in family.members}
    assert spans == {"D": (0, len(d_text)), "S": (0, late + len(first))}


def test_many_near_duplicates_are_one_family_expanded_from_a_representative():
    n = COLLAPSE_AT + 5
    story = " ".join(WIRE)
    docs = [Document(f"copy{i:02d}", f"Edition {i}. " + story,
                     published=f"2024-04-08T10:{i:02d}:00+00:00") for i in range(n)]
    analysis = analyze(docs)
    [family] = analysis.families
    assert [m.doc for m in family.members] == [f"copy{i:02d}" for i in range(n)]
    assert family.origin.doc == "copy00"
    assert all(m.parent == "copy00" for m in family.members[1:])
    assert not analysis.passages  # the copies are not aligned with each other
    flows = outlet_flows(analysis.families)
    assert sum(f.passages for f in flows) == n - 1
    shares = [c.share > 0.8 for c in churnalism(analysis.documents, analysis.families)]
    assert shares == [False] + [True] * (n - 1)
    # a few near-duplicates are aligned like any documents (no representative stands in)
    from provenance.scan import _near_duplicate_copies

    assert len(_near_duplicate_copies(docs, analysis.pairs, analysis.dates)) == 1
    few = analyze(docs[:3])
    assert _near_duplicate_copies(few.documents, few.pairs, few.dates) == {}


def test_clusters_false_builds_the_passages_families_alone():
    """``clusters=False`` leaves out each representative's own cluster family (the Spark
    engine builds those apart) and expands the passages' families to the copies as before."""
    story = " ".join(WIRE)
    docs = [Document(f"copy{i}", f"Edition {i}. " + story,
                     published=f"2024-04-08T10:0{i}:00+00:00") for i in range(3)]
    docs.append(Document("other", "Own words first. " + WIRE[0], published="2024-04-09"))
    start = docs[0].text.index(WIRE[0])
    ps = [Passage("copy0", "other", start, start + len(WIRE[0]), 17, 17 + len(WIRE[0]),
                  WIRE[0], WIRE[0], 1.0, "verbatim", False, None)]
    copies = {"copy0": [("copy1", 0.9), ("copy2", 0.9)]}
    every = build_families(docs, ps, [], {}, copies)
    alone = build_families(docs, ps, [], {}, copies, clusters=False)
    assert sorted(len(f.members) for f in every) == [3, 4]
    assert [[m.doc for m in f.members] for f in alone] == [
        [m.doc for m in f.members] for f in every if len(f.members) == 4]
    assert {m.doc for m in alone[0].members} == {"copy0", "copy1", "copy2", "other"}


def test_representative_rank_picks_the_representative_scan_picks():
    """``scan.representative_rank`` (then the id; Spark ranks by it too) orders a cluster's
    members as ``scan._near_duplicate_copies`` picks its representative, and as the plain rule
    says with datetimes: undated last, the earliest instant whatever its offset, then the
    longest text -- on clusters drawn with ties of date and length."""
    from datetime import datetime

    from provenance.scan import _near_duplicate_copies, representative_rank
    from provenance.similarity.pairs import Pair
    from provenance.trace.dates import date_info

    rng = random.Random(5)
    stamps = [None, "2024-04-08T10:00:00+00:00", "2024-04-08T12:00:00+02:00",
              "2024-04-08T09:59:00-00:30", "2024-04-07", "not a date"]
    for _ in range(40):
        docs = [Document(f"d{i:02d}", "x " * rng.randint(3, 6), published=rng.choice(stamps))
                for i in range(COLLAPSE_AT + 1)]
        pairs = [Pair("d00", d.id, 0.9, 0.9, 0.9, 0.9) for d in docs[1:]]
        dates = {d.id: date_info(d.published, []) for d in docs}
        [rep] = _near_duplicate_copies(docs, pairs, dates)
        assert rep == min(docs, key=lambda d: (*representative_rank(dates[d.id].published,
                                                                     d.text),
                                               d.id)).id
        stamps_of = {d.id: dates[d.id].published and datetime.fromisoformat(
            dates[d.id].published) for d in docs}
        dated = [d for d in docs if stamps_of[d.id]] or docs
        first = min(stamps_of[d.id] for d in dated) if stamps_of[dated[0].id] else None
        plain = min((d for d in dated if stamps_of[d.id] == first),
                    key=lambda d: (-len(d.text), d.id))
        assert rep == plain.id


def test_no_passages_means_no_families():
    analysis = analyze([Document("a", "Nothing shared here at all."),
                        Document("b", "Completely different words appear.")],
                       ScanConfig())
    assert analysis.families == () and analysis.outlet_flows == ()
    assert [c.share for c in analysis.churnalism] == [0.0, 0.0]


def test_thousands_of_copies_stay_proportional_in_time_and_memory():
    """3,000 copies of one short story (once 4.5 million pairs, 110 s, 7.7 GB): a star of pairs
    around the cluster's first document, one family, seconds."""
    import random
    import time

    from provenance import Document, analyze

    rng = random.Random(1)
    vocab = [f"w{i}" for i in range(3000)]
    base = [rng.choice(vocab) for _ in range(120)]
    docs = []
    for k in range(3000):
        words = list(base)
        words[rng.randrange(120)] = rng.choice(vocab)
        docs.append(Document(f"c{k:05d}", " ".join(words) + ".", outlet=f"o{k % 50}",
                             published=f"2023-04-05T{k % 24:02d}:00:00Z"))
    start = time.perf_counter()
    analysis = analyze(docs)
    assert time.perf_counter() - start < 120
    assert len(analysis.pairs) < 30 * len(docs)
    assert len(analysis.clusters) == 1 and len(analysis.families) == 1
    assert analysis.families[0].size == 3000
