from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import (
    Document,
    PassageOptions,
    ScanConfig,
    align,
    analyze,
    find_passages,
    read,
)
from provenance.passages.finder import Aligner
from provenance.text.lexicon import TermWeights, content_terms
from provenance.text.quotes import quote_spans


def seeds(seeds_dir):
    return {d.id[:3]: d for d in read(seeds_dir).documents}


def test_politico_rifle_passage_between_000_and_001(seeds_dir):
    found = find_passages(list(seeds(seeds_dir).values()))
    rifle = [p for p in found if "assault rifles" in p.a_text and "assault rifles" in p.b_text]
    assert len(rifle) == 1
    p = rifle[0]
    assert (p.a[:3], p.b[:3]) == ("000", "001")
    assert p.a_text.startswith("Politico reported on March 16")
    assert "It was also previously reported that Chinese companies" in p.b_text
    assert p.kind == "rewritten" and not p.quoted


def test_historic_mistake_quotation_is_flagged(seeds_dir):
    found = find_passages(list(seeds(seeds_dir).values()))
    [p] = [p for p in found if p.quoted and (p.a[:3], p.b[:3]) == ("000", "001")]
    assert p.quote == "historic mistake with profound implications"
    assert "historic mistake" in p.a_text and "historic mistake" in p.b_text


def test_spans_point_into_the_originals(seeds_dir):
    docs = seeds(seeds_dir)
    by_id = {d.id: d for d in docs.values()}
    for p in find_passages(list(docs.values())):
        assert by_id[p.a].text[p.a_start : p.a_end] == p.a_text
        assert by_id[p.b].text[p.b_start : p.b_end] == p.b_text
        assert p.a < p.b and 0 < p.score <= 1


def test_stock_phrases_and_boilerplate_make_no_passage():
    stock = "NATO Secretary General Jens Stoltenberg said on Tuesday"
    docs = [
        Document("a", f"{stock} that the alliance would grow.\nShare This Article\n"
                      "Related Topics"),
        Document("b", f"{stock} that wheat prices fell sharply.\nShare This Article\n"
                      "Related Topics"),
        Document("c", f"{stock} that a summit is planned in Vilnius.\nShare This Article"),
    ]
    assert find_passages(docs) == []
    assert align(docs[0], docs[1]) == []


def test_kinds():
    base = ("The European Central Bank raised its key interest rate by half a point on "
            "Thursday to fight stubborn inflation across the euro zone.")
    near = base.replace("stubborn", "persistent")
    rewritten = ("To fight stubborn euro zone inflation, the ECB on Thursday lifted its key "
                 "interest rate by half a percentage point.")
    other = "Heavy snow closed schools across the Alps for a second day."
    a = Document("a", f"{other}\n{base}")
    assert [p.kind for p in align(a, Document("b", base))] == ["verbatim"]
    assert align(a, Document("b", base))[0].score == pytest.approx(1.0)
    assert [p.kind for p in align(a, Document("b", near))] == ["near_verbatim"]
    assert [p.kind for p in align(a, Document("b", rewritten))] == ["rewritten"]


def test_adjacent_matches_merge_into_one_passage():
    s1 = "Floods forced thousands of residents from their homes in northern Italy on Sunday."
    s2 = "Rescue teams used helicopters to lift stranded families from rooftops near Ravenna."
    s3 = "Regional officials estimated the damage at more than one billion euros."
    a = Document("a", f"{s1} {s2} Weather: rain again. {s3}")
    b = Document("b", f"Intro line about something else entirely.\n{s1} {s2} {s3}")
    [p] = align(a, b)
    assert p.a_text == f"{s1} {s2} Weather: rain again. {s3}"
    assert p.b_text == f"{s1} {s2} {s3}"
    gapless = align(a, b, __import__("provenance").PassageOptions(gap=0))
    assert len(gapless) == 2


def test_numbers_that_differ_lower_the_score():
    a = Document("a", "Yucaipa sold the Dominick's chain to Safeway in 1998 for $2.5 billion.")
    b = Document("b", "Yucaipa sold the Dominick's chain to Safeway in 1998 for $2.5 billion.")
    c = Document("c", "Yucaipa sold the Dominick's chain to Safeway in 1995 for $1.8 billion.")
    sentence_level = PassageOptions(decision=0)  # the paraphrase score, no operating point
    assert align(a, b, sentence_level)[0].score > align(a, c, sentence_level)[0].score
    # at the operating point, the figures that differ leave no passage
    assert align(a, b) and not align(a, c)


def test_quotes_straight_curly_single_mixed_and_multi_sentence():
    def spans(t):
        return [t[a:b] for a, b in quote_spans(t)]

    assert spans('He said "a historic mistake," Euronews reported.') == ["a historic mistake,"]
    assert spans("NATO’s chief said ‘We have not seen it,” he said.") == ["We have not seen it,"]
    assert spans("It isn't 'the end' of it.") == ["the end"]
    assert spans("“First sentence. Second sentence.” Then more.") == [
        "First sentence. Second sentence."]
    assert spans("“Runs on\n“And closes here.” Done") == ["Runs on", "And closes here."]
    assert spans("Unbalanced ” closer and “ opener") == ["opener"]


def test_scan_json_carries_passages(seeds_dir):
    data = analyze(read(seeds_dir)).to_dict()
    assert data["passages"]
    assert set(data["passages"][0]) == {"a", "b", "a_start", "a_end", "b_start", "b_end",
                                        "a_text", "b_text", "score", "kind", "quoted", "quote"}
    off = analyze(read(seeds_dir), ScanConfig(passages=False)).to_dict()
    assert off["passages"] == []


def test_term_weights_discount_what_every_document_says():
    docs = [content_terms(t.split()) for t in (
        "nato china rifles", "nato china rifles", "nato china", "nato china", "nato wheat")]
    w = TermWeights(docs)
    assert w(content_terms(["rifles"])[0]) == 1.0
    assert w("nato") < 0.1
    assert TermWeights()("rifl") == 1.0
    assert TermWeights()("secretari") < 1.0  # a stock word even without a corpus


def test_rare_pair_candidates_find_what_the_exact_path_finds(seeds_dir, monkeypatch):
    import provenance.passages.finder as passages

    docs = list(seeds(seeds_dir).values())
    exact = find_passages(docs)
    monkeypatch.setattr(passages, "EXACT_LIMIT", 0)
    banded = find_passages(docs)
    assert {(p.a, p.a_start, p.b, p.b_start) for p in banded} <= {
        (p.a, p.a_start, p.b, p.b_start) for p in exact}
    assert any("assault rifles" in p.a_text for p in banded)


pieces = st.sampled_from(list("ab cd.!?\"'“”‘’«»\n") + ["Привет ", "东京 ", "NATO ", "rifles "])
texts_strategy = st.lists(pieces, max_size=60).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts_strategy, min_size=2, max_size=4))
def test_spans_stay_inside_documents_whatever_the_text(texts):
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    by_id = {d.id: d for d in docs}
    for p in find_passages(docs, __import__("provenance").PassageOptions(min_shared=0.5)):
        for side, start, end in ((p.a, p.a_start, p.a_end), (p.b, p.b_start, p.b_end)):
            assert 0 <= start < end <= len(by_id[side].text)
        if p.quote is not None:
            assert p.quote in by_id[p.a].text


def test_no_sentences_and_one_enormous_sentence():
    empty = Document("e", "... !!! ???")
    huge = Document("h", " ".join(f"word{i % 500}" for i in range(20_000)))
    assert find_passages([empty, huge]) == []
    twin = Document("t", huge.text)
    [p] = find_passages([huge, twin])
    assert p.kind == "verbatim" and p.a_end == len(huge.text)


def test_a_sentence_split_in_two_matches_as_one_passage():
    joined = ("The ministry said exports of wheat and barley to Egypt fell by a third in March, "
              "blaming drought in the southern provinces and a shortage of rail wagons.")
    split = ("Exports of wheat and barley to Egypt fell by a third in March, the ministry said. "
             "It blamed drought in the southern provinces and a shortage of rail wagons.")
    a = Document("a", "Unrelated opening about football.\n" + joined)
    b = Document("b", split + "\nUnrelated closing about the weather in Oslo.")
    [p] = align(a, b)
    assert p.a_text == joined and p.b_text == split
    from provenance import PassageOptions

    without = align(a, b, PassageOptions(windows=False))
    assert all(p.b_text != split for p in without)


def test_aligner_gives_what_align_gives_pair_after_pair(seeds_dir):
    from provenance.passages.finder import Aligner

    docs = read(seeds_dir).documents
    for doc in docs:
        aligner = Aligner(doc)
        for other in docs + docs[::-1]:  # one prepared document, reused in any order
            assert aligner(other) == align(doc, other)
    assert any(Aligner(docs[0])(other) for other in docs[1:])


terms = st.dictionaries(st.sampled_from([f"t{i}" for i in range(12)]),
                        st.floats(0.001, 5.0, allow_nan=False), max_size=8)


@settings(max_examples=300, deadline=None)
@given(terms, terms, st.sets(st.sampled_from(["1", "2", "3"])),
       st.sets(st.sampled_from(["1", "2", "3"])), st.floats(0.05, 0.95), st.floats(0.0, 3.0))
def test_the_rough_rejection_changes_no_decision(wa, wb, na, nb, threshold, min_shared):
    import math

    from provenance.passages.finder import PassageOptions, _Unit, _verify, sentence_score

    options = PassageOptions(threshold=threshold, min_shared=min_shared)
    ua = _Unit(0, 0, 0, 0, 1, dict(wa), frozenset(na), dict(wa), math.fsum(wa.values()))
    ub = _Unit(1, 0, 0, 0, 1, dict(wb), frozenset(nb), dict(wb), math.fsum(wb.values()))
    score, shared = sentence_score(wa, wb, frozenset(na), frozenset(nb), options.number_penalty)
    assert bool(_verify(ua, ub, options)) == (score >= threshold and shared >= min_shared)


def _dividend_notices(n: int) -> list[Document]:
    """``n`` dividend notices of one formula (every sentence common to the corpus), amounts and
    dates varied, and one notice re-issued: ``reissue`` (Qtrly -> Qtly, as Reuters did)."""
    months, days, cents = ("March", "April", "May"), (1, 15, 21, 30), (5, 10, 12, 20)
    docs = [Document(f"n{i:04d}", f"{('Qtly', 'Qtrly')[i % 2]} div {cents[i % 4]} cts vs "
                     f"{cents[i // 4 % 4]} cts prior\n    Pay {months[i % 3]} {days[i % 4]}\n"
                     f"    Record {months[i // 3 % 3]} {days[i // 4 % 4]}")
            for i in range(n)]
    first = "Qtrly div 10 cts vs 10 cts prior\n    Pay April 30\n    Record April 21"
    return [*docs, Document("original", first),
            Document("reissue", first.replace("Qtrly", "Qtly"))]


@pytest.mark.parametrize("engine", ["numba", "python"])
def test_a_whole_copy_of_a_formula_is_still_a_copy(engine):
    # Above EXACT_LIMIT units, candidates come from keys over each sentence's rarest terms and
    # a key held by more than 64 units is dropped: the notice and its re-issue were never
    # compared (Reuters: 2 of 513 re-issues had no family). Listed as a whole copy, they are.
    docs = _dividend_notices(450)
    pair = ("original", "reissue")
    plain = find_passages(docs, engine=engine)
    assert not [p for p in plain if (p.a, p.b) == pair]
    found = [p for p in find_passages(docs, engine=engine, whole_copies=[pair])
             if (p.a, p.b) == pair]
    assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in found] == [(0, 69, 0, 68)]
    assert found[0].kind == "near_verbatim"


def test_a_whole_copy_needs_no_decision():
    # One sentence with one figure, scored below the operating point: not a passage between
    # two texts, but one between a story and its re-issue.
    a = Document("a", "The council met on Tuesday to talk about the bridge repairs downtown.")
    b = Document("b", "On Tuesday the council gathered and debated repairs to the bridge.")
    strict = PassageOptions(decision=0.99)
    assert align(a, b, strict) == []
    assert find_passages([a, b], strict) == []
    copy = align(a, b, strict, whole_copy=True)
    assert len(copy) == 1 and copy[0].score < 0.99
    assert find_passages([a, b], strict, whole_copies=[("a", "b")]) == copy


# Two texts on one topic (Clough A/B's PageRank answers): each rewrites one topic sentence
# of the other among sentences of its own.
_TOPIC_A = "A number between 0-10 is assigned to each webpage depending on their PageRank."
_TOPIC_B = "Google assigns a numeric weighting from 0-10 for each webpage on the internet."
_SECOND_A = "Many banks cut their lending rates after the central bank meeting on Thursday."
_SECOND_B = "After the central bank met on Thursday, many banks cut the rates at which they lend."
_LONE = PassageOptions(lone_decision=1.0)  # a lone rewritten sentence is never reported


def _topic_pair(a_middle: str, b_middle: str) -> tuple[Document, Document]:
    return (Document("a", f"Search engines rank pages by links. {a_middle} The crawler "
                          "revisits popular sites every week."),
            Document("b", "Larry Page and Sergey Brin wrote the first version at Stanford. "
                          f"{b_middle} Spam pages try to game the algorithm."))


@pytest.mark.parametrize("engine", ["numba", "python"])
def test_a_lone_rewritten_topic_sentence_is_no_passage(engine):
    a, b = _topic_pair(_TOPIC_A, _TOPIC_B)
    [p] = find_passages([a, b], PassageOptions(lone_decision=None), engine=engine)
    assert p.kind == "rewritten" and 0.52 <= p.score < 1.0 and p.a_text == _TOPIC_A
    assert find_passages([a, b], _LONE, engine=engine) == []
    assert align(a, b, _LONE) == [] and Aligner(a, _LONE, engine=engine)(b) == []
    # a higher bar, not a ban: the sentence passes at a score it reaches
    at = PassageOptions(lone_decision=p.score)
    above = PassageOptions(lone_decision=p.score + 0.01)
    assert find_passages([a, b], at, engine=engine) == [p]
    assert find_passages([a, b], above, engine=engine) == []


@pytest.mark.parametrize("engine", ["numba", "python"])
def test_a_second_shared_sentence_makes_the_topic_sentence_a_passage(engine):
    a, b = _topic_pair(f"{_TOPIC_A} {_SECOND_A}", f"{_TOPIC_B} {_SECOND_B}")
    [p] = find_passages([a, b], _LONE, engine=engine)
    assert align(a, b, _LONE) == [p]
    assert p.a_text == f"{_TOPIC_A} {_SECOND_A}" and p.kind == "rewritten"
    assert find_passages([a, b], _LONE, engine=engine) == [p]


def test_a_lone_verbatim_or_whole_text_sentence_is_still_a_passage():
    a, b = _topic_pair(_TOPIC_A, _TOPIC_A)
    [p] = align(a, b, _LONE)
    assert p.kind == "verbatim"
    # a text that is only the sentence was rewritten whole: not a topic sentence among others
    whole = Document("b", _TOPIC_B)
    assert align(Document("a", _TOPIC_A), whole, _LONE)
    assert not align(_topic_pair(_TOPIC_A, _TOPIC_B)[0], Document("b", f"Intro. {_TOPIC_B}"),
                     _LONE)


def test_the_lone_rule_leaves_the_sentence_score_and_whole_copies_alone():
    a, b = _topic_pair(_TOPIC_A, _TOPIC_B)
    sentence_level = PassageOptions(decision=0, lone_decision=1.0)  # MSRP's score
    assert len(align(a, b, sentence_level)) == 1
    assert len(align(a, b, _LONE, whole_copy=True)) == 1
    assert find_passages([a, b], _LONE, whole_copies=[("a", "b")]) == align(a, b, _LONE,
                                                                             whole_copy=True)


def test_lone_decision_must_be_a_share():
    from provenance.errors import ConfigError

    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(ConfigError, match="lone_decision"):
            PassageOptions(lone_decision=bad)
