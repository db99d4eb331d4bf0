"""HTML report at scale: file size and render time for 2,000 Reuters-21578 stories.

    python -m benchmarks.report [--docs 2000] [--data ../shared/datasets]

Analyzes the first ``--docs`` stories with text (scan defaults, passages included), writes the
report, and -- when Playwright and Chromium are installed -- opens it in headless Chromium:
time until the page is ready (data parsed, heat map drawn, graph and tables built), and time
from a click on the heat map's most similar cell to the pair's passages on screen.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks._results import RESULTS, write
from provenance import Document, ScanConfig, analyze
from provenance.read.files import iter_read
from provenance.render.html import render_report

ROOT = Path(__file__).resolve().parent.parent


def browser_times(path: Path) -> dict | None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if binary is None:
        return None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        ready = time.perf_counter() - start
        data = json.loads(page.eval_on_selector("#provenance-data", "e => e.textContent"))
        cell = max(data["cells"], key=lambda c: (c[0] != c[1], c[2]))
        size = int(page.eval_on_selector("#heatmap", "e => e.dataset.cell"))
        start = time.perf_counter()
        page.click("#heatmap", position={"x": (cell[1] + 0.5) * size,
                                         "y": (cell[0] + 0.5) * size})
        page.wait_for_selector("#pair-panel h3, #cell-panel table", timeout=30_000)
        click = time.perf_counter() - start
        nodes = page.evaluate("document.getElementsByTagName('*').length")
        browser.close()
    return {"ready_s": round(ready, 2), "click_to_pair_s": round(click, 3),
            "dom_elements": nodes, "chromium": binary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path, default=RESULTS / "report.json")
    args = parser.parse_args(argv)
    source = args.data / "reuters21578" / "reuters21578.jsonl.gz"
    if not source.is_file():
        print(f"skipped: {source} not found (pass --data)")
        return 0
    docs = list(itertools.islice((x for x in iter_read(source) if isinstance(x, Document)),
                                 args.docs))
    start = time.perf_counter()
    analysis = analyze(docs, ScanConfig())
    analyzed = time.perf_counter() - start
    start = time.perf_counter()
    page = render_report(analysis)
    rendered = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        path.write_text(page, encoding="utf-8")
        browser = browser_times(path)
    report = {"benchmark": "report", "documents": len(docs), "analyze_s": round(analyzed, 2),
              "render_s": round(rendered, 2), "bytes": len(page.encode("utf-8")),
              "pairs": len(analysis.pairs), "passages": len(analysis.passages),
              "edges": len(analysis.edges), "browser": browser}
    print(f"{len(docs):,} Reuters stories: analyze {analyzed:.1f} s, render {rendered:.2f} s, "
          f"{report['bytes'] / 1e6:.1f} MB ({report['pairs']:,} pairs, "
          f"{report['passages']:,} passages, {report['edges']:,} edges)")
    if browser:
        print(f"headless Chromium: ready in {browser['ready_s']} s, click -> pair "
              f"{browser['click_to_pair_s']} s, {browser['dom_elements']:,} DOM elements")
    else:
        print("browser timing skipped: Playwright or Chromium not installed")
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
