from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance import Document, analyze, read
from provenance.passages.marks import MEANINGS
from provenance.render.html import Limits, render_report, report_data
from provenance_cli.main import cli
from tests.report_families import seed_families

INJECTION = ('</script><script>window.__pwned = 1</script> "><img src=x '
             'onerror="window.__pwned = 2"> <b onmouseover="window.__pwned = 3">bold</b>')
ARTIFACTS = Path(os.environ.get("PROVENANCE_ARTIFACTS",
                                Path(__file__).resolve().parent.parent / "test-artifacts"))


def embedded(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="provenance-data">(.*?)</script>', page,
                  re.S)
    assert m, "no data element"
    return json.loads(m.group(1))


def hostile_corpus(tmp_path: Path) -> Path:
    """Two articles sharing a paragraph full of markup, one with a hostile file name, title
    and outlet."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    shared = ("The ministry said the convoy of forty trucks crossed the border at dawn on "
              f"Tuesday, carrying grain and medicine. {INJECTION} Officials in both capitals "
              "confirmed the crossing and promised a second convoy within the week.")
    (folder / 'a"><img src=x onerror=alert(1)>.txt').write_text(shared + " Extra one.",
                                                                 encoding="utf-8")
    record = {"id": "<svg onload=alert(2)>", "text": "Reporters noted the delay. " + shared,
              "title": INJECTION, "outlet": "<script>window.__pwned = 4</script>"}
    (folder / "b.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_report_structure_on_the_seeds(seeds_dir):
    analysis = analyze(read(seeds_dir))
    page = render_report(analysis)
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<(link|img|iframe)\b|src=\"http|href=\"http", page)  # no fetches
    data = embedded(page)
    assert data == json.loads(json.dumps(report_data(analysis)))
    assert sorted(i for row in data["rows"] for i in row) == list(range(5))
    assert data["block"] == 1 and data["row_labels"] is None
    # the pair of 000 and 001 carries its two passages (the Politico rewrite, the shared quote)
    [pair] = [p for p in data["pairs"]
              if {data["documents"][p["a"]]["id"][:3], data["documents"][p["b"]]["id"][:3]}
              == {"000", "001"}]
    between = [p for p in analysis.passages if {p.a[:3], p.b[:3]} == {"000", "001"}]
    assert len(pair["passages"]) == len(between) >= 2
    assert any("historic mistake" in (data["passages"][str(k)]["quote"] or "")
               for k in pair["passages"])
    assert data["graph"]["total_edges"] == len(analysis.edges)
    assert {n["id"] for n in data["graph"]["nodes"]} >= {"Politico", "000_f9740930b9afea8b"}
    # one set of counts: the scan's pairs, and the pairs only a passage brings, said apart
    assert data["counts"] == {"documents": 5, "skipped": 0, "pairs": len(analysis.pairs),
                              "min_score": 0.01, "passages": len(analysis.passages),
                              "pairs_with_passages_below_min_score": sum(
                                  not p["listed"] for p in data["pairs"]),
                              "families": len(getattr(analysis, "families", ())),
                              "edges": len(analysis.edges)}
    assert sum(p["listed"] for p in data["pairs"]) == len(analysis.pairs)
    # every passage carries the marks of passages/marks.py (rewrites: shared words)
    for p in data["passages"].values():
        assert p["marks"]["rule"] == ("shared" if p["kind"] == "rewritten" else "edits")
        for start, end, meaning in p["marks"]["a"]:
            assert 0 <= start < end <= len(p["a_text"]) and meaning in MEANINGS


def test_spread_graph_layers_put_origins_first(seeds_dir):
    analysis = analyze(read(seeds_dir))
    graph = report_data(analysis)["graph"]
    layer = {n["id"]: n["layer"] for n in graph["nodes"]}
    for e in graph["edges"]:
        if e["kind"] in ("attributed", "copied", "rewrote"):
            assert layer[e["source"]] < layer[e["target"]], e
    slots = [(n["layer"], n["order"]) for n in graph["nodes"]]
    assert len(slots) == len(set(slots))  # one node per slot: labels cannot share a row
    by_outlet = report_data(analysis, by="outlet")["graph"]
    assert by_outlet["by"] == "outlet" and all(isinstance(e["passages"], int)
                                               for e in by_outlet["edges"])
    with pytest.raises(ValueError, match="layout must be"):
        report_data(analysis, layout="force")


def test_families_become_sentences_timelines_and_marked_members(seeds_dir):
    analysis = analyze(read(seeds_dir))
    families, flows, churn = seed_families(analysis)
    data = report_data(analysis, families=families, outlet_flows=flows, churnalism=churn)
    f1, f2 = data["families"]
    ids = [d.id for d in analysis.documents]
    assert f1["sentence"] == ("This passage appeared in 2 outlets; credited to Politico; first "
                              "Euronews, 2023-04-05 09:12 UTC; 1 credited Politico, 1 did not.")
    assert f2["sentence"].endswith("2 quoted Jens Stoltenberg, 0 did not.")
    assert [m["t"] is None for m in f2["members"]] == [False, True]
    rewrite = f1["members"][1]
    assert rewrite["against"] == f1["members"][0]["id"] and rewrite["marks"]["rule"] == "shared"
    marked = [rewrite["text"][s:e] for s, e, _ in rewrite["marks"]["b"]]
    assert "1,000 assault rifles" in marked and "Chinese companies" in marked
    assert data["counts"]["families"] == 2
    assert data["flows"] == {"outlets": ["Euronews", "Wire B"], "cells": [[0, 1, 1, 0]],
                             "churnalism": [[ids[1], 0.12, 1], [ids[0], 0.0, 1]]}
    # (the seeds have no outlet: churnalism is grouped by document id, as the contract says)


def test_past_its_limits_the_page_says_what_it_left_out(tmp_path):
    docs = [Document(f"d{i:02}", f"story {i // 2} about grain convoys and border crossings "
                     f"number {i // 2} today and more words here") for i in range(30)]
    analysis = analyze(docs)
    data = report_data(analysis, limits=Limits(pairs=4, documents=4))
    assert len(data["pairs"]) == 4 and "chars" not in data["documents"][4]
    # the most similar pairs, and the pairs sharing the most passages
    top = sorted((p.jaccard for p in analysis.pairs), reverse=True)
    assert [p["jaccard"] for p in data["pairs"]][:2] == [round(x, 4) for x in top[:2]]
    with_passages = sorted((len(p["passages"]) for p in report_data(analysis)["pairs"]),
                           reverse=True)
    assert sorted((len(p["passages"]) for p in data["pairs"]), reverse=True)[:2] == \
        with_passages[:2]
    said = " ".join(data["left_out"])
    c = data["counts"]
    assert f"lists 4 of {c['pairs'] + c['pairs_with_passages_below_min_score']} pairs" in said
    assert "first 4 of 30 documents" in said
    assert "provenance scan --format json" in said


def test_outlets_and_blocks(tmp_path):
    docs = [Document(f"d{i}", f"story {i // 2} about grain convoys and border crossings "
                     f"number {i // 2} today", outlet=["Wire", "Daily", None][i % 3])
            for i in range(12)]
    data = report_data(analyze(docs), by="outlet")
    assert data["row_labels"] == ["(no outlet)", "Daily", "Wire"]
    assert sum(len(row) for row in data["rows"]) == 12
    for i, j, value, count, best in data["cells"]:
        assert i <= j and count and value == data["pairs"][best]["jaccard"]
    with pytest.raises(ValueError, match="by must be"):
        report_data(analyze(docs), by="author")


def test_article_markup_never_becomes_page_markup(tmp_path):
    page = render_report(analyze(read(hostile_corpus(tmp_path))))
    body = page.split('id="provenance-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body and ">" not in body  # nothing can close the data element
    outside = page.replace(body, "")
    assert "__pwned" not in outside and "onerror" not in outside
    data = embedded(page)
    texts = [t for p in data["passages"].values() for t in (p["a_text"], p["b_text"])]
    texts += [m["text"] for f in data["families"] for m in f["members"]]
    assert any(INJECTION in t for t in texts)  # the markup is on the page, as data
    assert data["documents"][1]["outlet"] == "<script>window.__pwned = 4</script>"


def test_report_cli(seeds_dir, tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", str(seeds_dir), "-o", str(out), "--by",
                                      "outlet", "--title", "<Seeds & co>"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<title>&lt;Seeds &amp; co&gt;</title>" in page
    assert embedded(page)["by"] == "outlet"


# --- in a real browser ------------------------------------------------------------------------

def _browser():
    """Playwright driving Debian's Chromium, or a skip that says why (a failure when
    PROVENANCE_REQUIRE_BROWSER=1, as .ci/run sets after installing Chromium)."""
    binary = os.environ.get("PROVENANCE_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    why = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = "Playwright for Python is not installed (pip install -e '.[test]')"
    if binary is None:
        why = "no Chromium binary (apt-get install chromium; .ci/run does)"
    if why:
        if os.environ.get("PROVENANCE_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return sync_playwright, binary


def _open(pw, binary, path: Path):
    browser = pw.chromium.launch(executable_path=binary, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    return browser, page, problems


def _click_pair(page, first: str, second: str) -> None:
    data = json.loads(page.eval_on_selector("#provenance-data", "e => e.textContent"))
    labels = [data["documents"][row[0]]["id"] for row in data["rows"]]
    row, column = labels.index(first), labels.index(second)
    cell = int(page.eval_on_selector("#heatmap", "e => e.dataset.cell"))
    page.click("#heatmap", position={"x": (column + 0.5) * cell, "y": (row + 0.5) * cell})


OVERLAPS = """() => {
  const found = [];
  const groups = [[...document.querySelectorAll('#graph .node-label')]];
  for (const t of document.querySelectorAll('svg.timeline'))
    groups.push([...t.querySelectorAll('.row-label')]);
  for (const labels of groups) {
    const boxes = labels.map((l) => l.getBoundingClientRect());
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
          a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
        found.push(labels[i].textContent + ' / ' + labels[j].textContent);
    }
  }
  return {found, labels: groups.reduce((n, g) => n + g.length, 0)};
}"""


def check_page(page) -> dict:
    """What every report must show in the browser: no overlapping label, one timeline mark per
    family member shown, a click on a family opening its members."""
    data = json.loads(page.eval_on_selector("#provenance-data", "e => e.textContent"))
    result = page.evaluate(OVERLAPS)
    assert result["found"] == [], result["found"][:5]
    assert result["labels"] >= len(data["graph"]["nodes"])
    families = page.locator("#families article.family")
    assert families.count() == len(data["families"])
    for k, family in enumerate(data["families"]):
        marks = families.nth(k).locator("circle.member-mark")
        assert marks.count() == len(family["members"]), family["id"]
    if data["families"]:
        families.first.click()
        page.wait_for_selector("#family-panel .member", timeout=5_000)
        assert page.locator("#family-panel .member").count() == len(data["families"][0]["members"])
    assert "absolute scale from 0 to 1" in page.inner_text("#legend-label")
    return data


@pytest.mark.slow
def test_browser_click_a_cell_shows_the_passages(seeds_dir, tmp_path):
    sync_playwright, binary = _browser()
    out = tmp_path / "report.html"
    analysis = analyze(read(seeds_dir))
    families, flows, churn = seed_families(analysis)
    out.write_text(render_report(analysis, families=families, outlet_flows=flows,
                                 churnalism=churn), encoding="utf-8")
    with sync_playwright() as pw:
        browser, page, problems = _open(pw, binary, out)
        try:
            check_page(page)
            assert "1 credited Politico, 1 did not" in page.inner_text("#families")
            panel = page.inner_text("#family-panel")
            assert "a rewrite: the content words both use are marked" in panel
            assert page.locator("#family-panel mark.shared").count() >= 3
            assert page.locator("#families svg.timeline line.tree-arrow").count() == 1
            page.locator("#graph path.edge").first.hover(force=True)
            assert not page.locator("#edge-tip").is_hidden()  # edge labels on hover only
            drawn = embedded(out.read_text(encoding="utf-8"))["graph"]["edges"]
            assert page.locator("#graph path.edge").count() == len(drawn)
            page.hover("#heatmap", position={"x": 5, "y": 5})
            _click_pair(page, "000_f9740930b9afea8b", "001_3f6639795f3717d1")
            page.wait_for_selector("#pair-panel .passage", timeout=5_000)
            panel = page.inner_text("#pair-panel")
            assert "historic mistake with profound implications" in panel
            assert "quotation both give" in panel
            assert page.locator("#pair-panel .passage").count() == len(
                [p for p in analysis.passages if {p.a[:3], p.b[:3]} == {"000", "001"}])
            assert page.locator("#pair-panel mark.shared").count() > 10  # rewrites: shared
            # credits gained: ISW, Magyar Nemzet, ABC, CNN; statements dropped: NATO, ministry, IISS
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-seeds.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []


@pytest.mark.slow
def test_browser_by_outlet_labels_do_not_overlap(seeds_dir, tmp_path):
    sync_playwright, binary = _browser()
    out = tmp_path / "outlets.html"
    out.write_text(render_report(analyze(read(seeds_dir)), by="outlet", layout="time"),
                   encoding="utf-8")
    with sync_playwright() as pw:
        browser, page, problems = _open(pw, binary, out)
        try:
            data = check_page(page)
            assert data["graph"]["by"] == "outlet"
            widths = page.eval_on_selector_all("#graph path.edge",
                                               "es => es.map(e => +e.getAttribute('stroke-width'))")
            assert widths and max(widths) > 1
        finally:
            browser.close()
    assert problems == []


def _dataset_report(tmp_path, docs, name):
    sync_playwright, binary = _browser()
    out = tmp_path / f"{name}.html"
    analysis = analyze(docs)
    out.write_text(render_report(analysis), encoding="utf-8")
    with sync_playwright() as pw:
        browser, page, problems = _open(pw, binary, out)
        try:
            data = check_page(page)
            if hasattr(analysis, "families") and analysis.families:
                assert data["families"], "the analysis has families but the story shows none"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"))
        finally:
            browser.close()
    assert problems == []
    return data


def _datasets() -> Path:
    """PROVENANCE_DATASETS, else ../shared/datasets beside the checkout (or beside the folder
    of worktrees that holds it)."""
    if "PROVENANCE_DATASETS" in os.environ:
        return Path(os.environ["PROVENANCE_DATASETS"])
    root = Path(__file__).resolve().parents[1]
    found = [p / "shared" / "datasets" for p in (root.parent, root.parent.parent)]
    return next((p for p in found if p.is_dir()), found[0])


DATASETS = _datasets()


@pytest.mark.slow
def test_browser_on_clough_ab(tmp_path):
    folder = DATASETS / "clough_stevenson_ab" / "corpus-20090418"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (set PROVENANCE_DATASETS)")
    data = _dataset_report(tmp_path, read(folder), "clough")
    assert data["counts"]["documents"] == len(list(folder.glob("*.txt")))


@pytest.mark.slow
def test_browser_on_2000_reuters_stories(tmp_path):
    source = DATASETS / "reuters21578" / "reuters21578.jsonl.gz"
    if not source.is_file():
        pytest.skip(f"{source} not found (set PROVENANCE_DATASETS)")
    from itertools import islice

    from provenance.read.files import iter_read

    docs = list(islice((x for x in iter_read(source) if isinstance(x, Document)), 2000))
    data = _dataset_report(tmp_path, docs, "reuters2000")
    assert data["left_out"] and len(data["graph"]["edges"]) == 300


def test_browser_runs_none_of_the_articles_markup(tmp_path):
    sync_playwright, binary = _browser()
    out = tmp_path / "hostile.html"
    analysis = analyze(read(hostile_corpus(tmp_path)))
    docs = analysis.documents
    ids = [d.id for d in docs]
    # a family of the two hostile documents, so their text, ids and outlet reach the story,
    # the timeline and the members' view too
    members = [{"doc": d.id, "start": 0, "end": len(d.text), "outlet": d.outlet,
                "published": None, "credits": None, "quoted": False, "speaker": None,
                "parent": ids[0] if k else None, "relation": "copied" if k else "origin",
                "confidence": 0.9, "reasons": [INJECTION]} for k, d in enumerate(docs)]
    family = {"id": "f1", "size": 2, "text": docs[0].text, "first_published": None,
              "last_published": None, "outlets": sorted(d.outlet or d.id for d in docs),
              "origin": {"kind": "document", "doc": ids[0], "name": None, "reason": INJECTION},
              "members": members}
    out.write_text(render_report(analysis, families=[family]), encoding="utf-8")
    with sync_playwright() as pw:
        browser, page, problems = _open(pw, binary, out)
        try:
            check_page(page)  # opens the family's members
            _click_pair(page, ids[0], ids[1])
            page.wait_for_selector("#pair-panel h3", timeout=5_000)
            page.hover("#pair-panel")
            page.hover("#families svg.timeline circle.member-mark >> nth=0")
            assert page.evaluate("window.__pwned") is None
            assert page.locator("main img, main script, main b, main svg[onload]").count() == 0
            text = page.inner_text("body")
            assert "</script><script>window.__pwned = 1</script>" in text
            assert 'onerror="window.__pwned = 2"' in text
            assert "<script>window.__pwned = 4</script>" in text  # the outlet, as text
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []


def test_matrix_png(seeds_dir, tmp_path):
    pytest.importorskip("matplotlib", reason="the 'plot' extra (matplotlib) is not installed")
    out = tmp_path / "m.png"
    result = CliRunner().invoke(cli, ["matrix", str(seeds_dir), "--png", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and out.stat().st_size > 5_000
    assert "000_f9740930b9afea8b" in result.stdout  # the table still prints
    bad = CliRunner().invoke(cli, ["matrix", str(seeds_dir), "--png",
                                   str(tmp_path / "no" / "m.png")])
    assert bad.exit_code == 1 and "cannot write" in bad.stderr
