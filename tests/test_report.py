from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance import Document, analyze, read
from provenance.render.html import render_report, report_data
from provenance_cli.main import cli

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
    assert len(data["items"]) == 5 and {i["label"] for i in data["items"]} == {
        d.id for d in analysis.documents}
    # the pair of 000 and 001 carries its passages (the Politico rewrite, the shared quote)
    [pair] = [p for p in data["pairs"]
              if {data["documents"][p["a"]]["id"][:3], data["documents"][p["b"]]["id"][:3]}
              == {"000", "001"}]
    assert len(pair["passages"]) == 3
    assert any("historic mistake" in (data["passages"][k]["quote"] or "")
               for k in pair["passages"])
    assert data["graph"]["total_edges"] == len(analysis.edges)
    assert {n["id"] for n in data["graph"]["nodes"]} >= {"Politico", "000_f9740930b9afea8b"}


def test_outlets_and_blocks(tmp_path):
    docs = [Document(f"d{i}", f"story {i // 2} about grain convoys and border crossings "
                     f"number {i // 2} today", outlet=["Wire", "Daily", None][i % 3])
            for i in range(12)]
    data = report_data(analyze(docs), by="outlet")
    assert [i["label"] for i in data["items"]] == ["(no outlet)", "Daily", "Wire"]
    assert sum(len(i["documents"]) for i in data["items"]) == 12
    for i, j, value, pairs in data["cells"]:
        assert i <= j and pairs and value == max(data["pairs"][k]["jaccard"] for k in pairs)
    with pytest.raises(ValueError, match="by must be"):
        report_data(analyze(docs), by="author")


def test_article_markup_never_becomes_page_markup(tmp_path):
    page = render_report(analyze(read(hostile_corpus(tmp_path))))
    body = page.split('id="provenance-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body and ">" not in body  # nothing can close the data element
    outside = page.replace(body, "")
    assert "__pwned" not in outside and "onerror" not in outside
    data = embedded(page)
    assert any(INJECTION in p["a_text"] or INJECTION in p["b_text"] for p in data["passages"])
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
    labels = [item["label"] for item in data["items"]]
    row, column = labels.index(first), labels.index(second)
    cell = int(page.eval_on_selector("#heatmap", "e => e.dataset.cell"))
    page.click("#heatmap", position={"x": (column + 0.5) * cell, "y": (row + 0.5) * cell})


def test_browser_click_a_cell_shows_the_passages(seeds_dir, tmp_path):
    sync_playwright, binary = _browser()
    out = tmp_path / "report.html"
    out.write_text(render_report(analyze(read(seeds_dir))), encoding="utf-8")
    with sync_playwright() as pw:
        browser, page, problems = _open(pw, binary, out)
        try:
            page.hover("#heatmap", position={"x": 5, "y": 5})
            _click_pair(page, "000_f9740930b9afea8b", "001_3f6639795f3717d1")
            page.wait_for_selector("#pair-panel .passage", timeout=5_000)
            panel = page.inner_text("#pair-panel")
            assert "historic mistake with profound implications" in panel
            assert "quotation both give" in panel
            assert page.locator("#pair-panel .passage").count() == 3
            assert page.locator("#pair-panel mark").count() > 10  # shared words marked
            # credits gained: ISW, Magyar Nemzet, ABC, CNN; statements dropped: NATO, ministry, IISS
            assert page.locator("#graph svg line.edge").count() == 18
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-seeds.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []


def test_browser_runs_none_of_the_articles_markup(tmp_path):
    sync_playwright, binary = _browser()
    out = tmp_path / "hostile.html"
    analysis = analyze(read(hostile_corpus(tmp_path)))
    out.write_text(render_report(analysis), encoding="utf-8")
    ids = [d.id for d in analysis.documents]
    with sync_playwright() as pw:
        browser, page, problems = _open(pw, binary, out)
        try:
            _click_pair(page, ids[0], ids[1])
            page.wait_for_selector("#pair-panel .passage", timeout=5_000)
            page.hover("#pair-panel")
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
