from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provenance.text.sentences import boilerplate_blocks, normalize_token, sentences, tokenize


def texts(t: str) -> list[str]:
    return [s.text for s in sentences(t)]


def test_abbreviations_from_the_seeds_do_not_split():
    t = ("Recently, U.S. Secretary of State Antony Blinken also warned China. "
         "He spoke in Brussels on Feb. 21, according to The Hill. "
         "The photo was taken on Nov. 25, 2022. "
         "The Institute for the Study of War, a D.C.-based think tank, said so.")
    assert texts(t) == [
        "Recently, U.S. Secretary of State Antony Blinken also warned China.",
        "He spoke in Brussels on Feb. 21, according to The Hill.",
        "The photo was taken on Nov. 25, 2022.",
        "The Institute for the Study of War, a D.C.-based think tank, said so.",
    ]


def test_titles_initials_and_lowercase_continuations():
    t = "Gov. Newsom met John F. Kennedy Jr. today. The U.S. economy grew. It did!"
    assert texts(t) == ["Gov. Newsom met John F. Kennedy Jr. today.", "The U.S. economy grew.",
                        "It did!"]


def test_quotes_close_sentences_and_lines_always_do():
    t = '"We follow it closely." Stoltenberg said.\nA headline without a period\nNext line.'
    assert texts(t) == ['"We follow it closely."', "Stoltenberg said.",
                        "A headline without a period", "Next line."]


def test_curly_quotes_and_question_marks():
    t = "He asked “why now?” Nobody knew. Really?! Yes."
    assert texts(t) == ["He asked “why now?”", "Nobody knew.", "Really?!", "Yes."]


def test_bullets_are_outside_the_span_and_offsets_point_into_the_original():
    t = "Title\r\n\r\n  • NATO said Beijing would err\n  • Second point."
    out = sentences(t, "doc")
    assert [s.text for s in out] == ["Title", "NATO said Beijing would err", "Second point."]
    for s in out:
        assert t[s.start : s.end] == s.text
        assert s.doc_id == "doc"
    assert [s.index for s in out] == [0, 1, 2]


def test_seed_sentences_keep_their_abbreviations(seeds_dir):
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for s in sentences(text):
            assert text[s.start : s.end] == s.text
            for abbreviation in ("U.S.", "Feb.", "Nov.", "D.C."):
                assert not s.text.endswith(" " + abbreviation), (path.name, s.text)


def test_boilerplate_blocks_in_the_seeds(seeds_dir):
    text = (seeds_dir / "002_07e17540711d636a.txt").read_text(encoding="utf-8")
    flagged = {s.text for s in sentences(text) if s.boilerplate}
    assert "Share This Article" in flagged
    assert "(AP Photo/Alastair Grant)" in flagged
    assert "By Dénes Albert" in flagged
    assert "4 Min Read" in flagged
    assert any(t.startswith("FILE - Chinese President Xi Jinping") for t in flagged)
    content = {s.text for s in sentences(text) if not s.boilerplate}
    assert any(t.startswith("NATO is observing signs") for t in content)


def test_boilerplate_phrases_and_captions():
    lines = ["You may also like", "Leave a Comment", "Related Topics", "0:00", "Updated:",
             "Share This Article",
             "Stoltenberg addresses a press conference (Kenzo Tribouillard/AFP via Getty Images)"]
    text = "\n".join(lines + ["NATO warned China against arming Russia."])
    flagged = boilerplate_blocks(text)
    starts = [text.index(line) for line in lines]
    assert flagged == set(starts)


def test_tokens_have_offsets_and_normalized_values():
    t = "NATO’s Dénes said ＡＢＣ"
    toks = tokenize(t)
    assert [t[x.start : x.end] for x in toks] == ["NATO’s", "Dénes", "said", "ＡＢＣ"]
    assert [x.norm for x in toks] == ["nato's", "dénes", "said", "abc"]
    assert normalize_token("NATO's") == normalize_token("NATO’s")


@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\"“”'’U.S•-FebNov 12")), max_size=200))
def test_sentence_spans_stay_inside_ordered_and_disjoint(text):
    previous_end = 0
    for s in sentences(text):
        assert 0 <= previous_end <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        previous_end = s.end


@given(st.text(max_size=300))
def test_any_unicode_text_segments_and_tokenizes(text):
    for s in sentences(text):
        assert text[s.start : s.end] == s.text
    for tok in tokenize(text):
        assert 0 <= tok.start < tok.end <= len(text)


@given(st.text(max_size=200))
def test_words_are_the_token_values(text):
    from provenance.text.sentences import words

    assert words(text) == [t.norm for t in tokenize(text)]
    assert words(text, 3, 50) == [t.norm for t in tokenize(text[3:50])]


def test_hard_wrapped_text_joins_lines_into_paragraphs():
    reuters = ("Standard Oil Co and BP North America\nInc said they plan to form a venture to "
               "manage the money market\nborrowing and investment activities of both companies.\n"
               "    BP North America is a subsidiary of British Petroleum Co\nPlc <BP>, which "
               "also owns a 55 pct interest in Standard Oil.\n")
    out = sentences(reuters)
    assert [s.text.replace("\n", " ") for s in out] == [
        "Standard Oil Co and BP North America Inc said they plan to form a venture to manage "
        "the money market borrowing and investment activities of both companies.",
        "BP North America is a subsidiary of British Petroleum Co Plc <BP>, which also owns a "
        "55 pct interest in Standard Oil.",
    ]
    for s in out:
        assert reuters[s.start : s.end] == s.text


def test_clough_style_crlf_wrapping():
    text = ("Inheritance is a basic concept of Object-Oriented Programming where\r\nthe basic "
            "idea is to create new classes that add extra detail to\r\nexisting classes. This "
            "is done by allowing the new classes to reuse\r\nthe methods of the existing ones.\r\n")
    assert len(sentences(text)) == 2


def test_unwrapped_news_keeps_one_block_per_line(seeds_dir):
    from provenance.text.sentences import blocks

    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert len(blocks(text)) == len(text.splitlines(keepends=True)), path.name
