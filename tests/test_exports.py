"""Graph exports stay valid whatever the ids and reasons hold."""

from __future__ import annotations

import xml.dom.minidom

import networkx as nx

from provenance import Document
from provenance.trace.graph import Edge, to_dot, to_graphml


def _graph():
    docs = [Document("wire\x01story", "x", outlet="Wire"), Document("copy\u202e", "y")]
    edges = [Edge(source="wire\x01story", target="copy\u202e", kind="copied", confidence=0.8,
                  reasons=("copy\u202e repeats “historic mistake” \"as is\" \\ here",),
                  passages=())]
    return docs, edges


def test_graphml_with_control_characters_is_well_formed_xml(tmp_path):
    text = to_graphml(*_graph())
    xml.dom.minidom.parseString(text.encode("utf-8"))
    path = tmp_path / "g.graphml"
    path.write_text(text, encoding="utf-8")
    g = nx.read_graphml(path)
    assert "wire\ufffdstory" in g and g.number_of_nodes() == 3


def test_dot_keeps_unicode_and_escapes_quotes():
    text = to_dot(*_graph())
    assert "“historic mistake”" in text and "\\u201c" not in text
    assert '\\"as is\\"' in text and "\\\\ here" in text
    assert "\x01" not in text


def test_csv_cells_cannot_run_as_formulas():
    import csv
    import io

    from provenance.render.csv import passages_csv, safe_cell

    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("-1") == "'-1" and safe_cell(-1) == -1 and safe_cell(None) == ""
    from provenance.passages import Passage

    p = Passage(a="=cmd|' /C calc'!A0", b="@b", a_start=0, a_end=1, b_start=0, b_end=1,
                a_text="+1", b_text="ok", score=0.5, kind="rewritten", quoted=False,
                quote=None)
    rows = list(csv.reader(io.StringIO(passages_csv([p]))))
    assert rows[1][0].startswith("'=") and rows[1][1] == "'@b" and rows[1][3] == "0.5"


def test_a_bidi_override_in_an_id_cannot_reverse_the_report():
    from provenance import analyze
    from provenance.render.html import render_report

    text = "A tram line opened in the city centre on Monday, the council said."
    page = render_report(analyze([Document("evil\u202eabc", text), Document("plain", text)]))
    assert "\u202e" not in page and "evil[U+202E]abc" in page
