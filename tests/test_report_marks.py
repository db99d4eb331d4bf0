"""The one rule for marked words (provenance.passages.marks), shared by `compare` and the page."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import Document
from provenance.passages import align
from provenance.passages.finder import Passage
from provenance.passages.marks import passage_marks
from provenance.render.text import compare_view
from provenance.text.lexicon import STOPWORDS, stem
from provenance.text.sentences import tokenize


def _passage(a_text: str, b_text: str, kind: str, a_pad: str = "", b_pad: str = "") -> tuple:
    """A passage at an offset inside two documents (pads before it), and the two texts."""
    doc_a, doc_b = a_pad + a_text, b_pad + b_text
    p = Passage("a", "b", len(a_pad), len(doc_a), len(b_pad), len(doc_b), a_text, b_text, 0.9,
                kind, False, None)
    return p, doc_a, doc_b


def _marked(text: str, marks) -> list[str]:
    return [text[m.start:m.end] for m in marks]


def test_near_verbatim_marks_the_edits_not_what_is_shared():
    a = "NATO Secretary General Jens Stoltenberg cautioned China against supplying Russia."
    b = "NATO Secretary General Jens Stoltenberg warned China against supplying Russia."
    p, doc_a, doc_b = _passage(a, b, "near_verbatim", "Intro. ", "Other intro here. ")
    marks = passage_marks(p)
    assert marks.rule == "edits"
    assert _marked(doc_a, marks.a) == ["cautioned"] and _marked(doc_b, marks.b) == ["warned"]
    assert [m.meaning for m in marks.a + marks.b] == ["removed", "added"]
    assert marks.to_dict(relative_to=p) == {"rule": "edits", "a": [[40, 49, "removed"]],
                                            "b": [[40, 46, "added"]]}


def test_verbatim_marks_nothing_and_a_dropped_run_is_one_mark():
    p, _, _ = _passage("The convoy crossed at dawn.", "The convoy crossed at dawn.", "verbatim")
    assert passage_marks(p).a == () and passage_marks(p).b == ()
    p, doc_a, doc_b = _passage("The convoy of forty trucks crossed at dawn on Tuesday.",
                               "The convoy crossed at dawn on Tuesday.", "near_verbatim")
    marks = passage_marks(p)
    assert _marked(doc_a, marks.a) == ["of forty trucks"] and marks.b == ()


def test_rewrites_mark_the_shared_content_words():
    a = ("Politico reported on March 16 that Chinese companies had exported 1,000 assault "
         "rifles and body armor.")
    b = ("It was also previously reported that Chinese companies have sent over 1,000 "
         "assault rifles.")
    p, doc_a, doc_b = _passage(a, b, "rewritten")
    marks = passage_marks(p)
    assert marks.rule == "shared"
    assert _marked(doc_a, marks.a) == ["reported", "Chinese companies", "1,000 assault rifles"]
    assert _marked(doc_b, marks.b) == ["reported", "Chinese companies", "1,000 assault rifles"]
    assert {m.meaning for m in marks.a + marks.b} == {"shared"}


def test_compare_view_only_draws_the_marks(seeds_dir):
    a, b = (Document(f.stem, f.read_text(encoding="utf-8"))
            for f in sorted(seeds_dir.glob("00[01]_*.txt")))
    found = align(a, b)
    view = compare_view(found, a.text, b.text, width=120)
    for p in found:
        marks = passage_marks(p)
        for m in marks.a:
            word = a.text[m.start:m.end].split()[0]
            assert word in view
    assert "[=Chinese companies=]" in view and "{+" not in view  # the seeds' pairs are rewrites


WORDS = st.lists(st.sampled_from(["the", "convoy", "crossed", "border", "at", "dawn", "trucks",
                                  "Grain", "grain", "1,000", "said", "officials", "and", "of"]),
                 max_size=14)


@settings(max_examples=200, deadline=None)
@given(WORDS, WORDS, st.sampled_from(["verbatim", "near_verbatim", "rewritten"]),
       st.text(" ab.", max_size=5), st.text(" xy.", max_size=5))
def test_marks_stay_inside_and_follow_the_rule(words_a, words_b, kind, pad_a, pad_b):
    p, doc_a, doc_b = _passage(" ".join(words_a), ", ".join(words_b), kind, pad_a, pad_b)
    marks = passage_marks(p)
    for side, (start, end, text) in (("a", (p.a_start, p.a_end, doc_a)),
                                     ("b", (p.b_start, p.b_end, doc_b))):
        spans = getattr(marks, side)
        assert all(start <= m.start < m.end <= end for m in spans)
        assert all(x.end < y.start for x, y in zip(spans, spans[1:], strict=False))
        assert all(text[m.start].isalnum() and text[m.end - 1].isalnum() for m in spans)
    ta, tb = tokenize(p.a_text), tokenize(p.b_text)
    if kind == "rewritten":
        assert marks.rule == "shared"
        stems_b = {stem(t.norm) for t in tb}
        for m in marks.a:
            for t in tokenize(doc_a, m.start, m.end):
                assert t.norm not in STOPWORDS and stem(t.norm) in stems_b
    else:
        # removing the marked words from both sides leaves the same words
        def kept(tokens, spans, offset):
            inside = {i for i, t in enumerate(tokens) for m in spans
                      if m.start <= t.start + offset < m.end}
            return [t.norm for i, t in enumerate(tokens) if i not in inside]

        assert kept(ta, marks.a, p.a_start) == kept(tb, marks.b, p.b_start)
        if ta and [t.norm for t in ta] == [t.norm for t in tb]:
            assert marks.a == () and marks.b == ()
