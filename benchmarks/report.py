"""HTML report at scale: build time, size, time to ready and DOM size on Reuters-21578.

    python -m benchmarks.report [--sizes 2000,all] [--data ../shared/datasets] [--no-browser]

For each size (the first N stories with text, or ``all`` of them) the stories are analyzed
once (scan defaults, passages included; timed but not part of the report's build), then the
page is built (``render_report``: the report's own work, goal <= 30 s for all of Reuters) and
weighed (goal <= 10 MB), and -- when Playwright and Chromium are installed -- opened in
headless Chromium: time until the page is ready (data parsed, story, graph, heat map and tables
drawn; goal <= 3 s), its DOM size, and the time from a click on the heat map's most similar
cell to that pair's passages on screen.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from benchmarks._results import RESULTS, write
from provenance import Document, analyze
from provenance.read.files import iter_read
from provenance.render.html import render_report

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"build_s": 30.0, "megabytes": 10.0, "ready_s": 3.0}


def default_data() -> Path:
    found = [p / "shared" / "datasets" for p in (ROOT.parent, ROOT.parent.parent)]
    return next((p for p in found if p.is_dir()), found[0])


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
        nodes = page.evaluate("document.getElementsByTagName('*').length")
        data = json.loads(page.eval_on_selector("#provenance-data", "e => e.textContent"))
        click = None
        named = [c for c in data["cells"] if c[4] >= 0 and c[3] == 1]
        if named:
            cell = max(named, key=lambda c: (c[0] != c[1], c[2]))
            size = int(page.eval_on_selector("#heatmap", "e => e.dataset.cell"))
            page.locator("#heatmap").scroll_into_view_if_needed()
            start = time.perf_counter()
            page.click("#heatmap", position={"x": (cell[1] + 0.5) * size,
                                             "y": (cell[0] + 0.5) * size})
            page.wait_for_selector("#pair-panel h3", timeout=30_000)
            click = round(time.perf_counter() - start, 3)
        browser.close()
    return {"ready_s": round(ready, 2), "click_to_pair_s": click, "dom_elements": nodes,
            "chromium": binary}


def run(docs: list[Document], browser: bool) -> dict:
    start = time.perf_counter()
    analysis = analyze(docs)
    analyzed = time.perf_counter() - start
    start = time.perf_counter()
    page = render_report(analysis)
    built = time.perf_counter() - start
    times = None
    if browser:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.html"
            path.write_text(page, encoding="utf-8")
            times = browser_times(path)
    return {"documents": len(docs), "analyze_s": round(analyzed, 2), "build_s": round(built, 2),
            "bytes": len(page.encode("utf-8")), "pairs": len(analysis.pairs),
            "passages": len(analysis.passages), "edges": len(analysis.edges),
            "families": len(getattr(analysis, "families", ()) or ()), "browser": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,all",
                        help="comma-separated story counts, or 'all' (default: 2000,all)")
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS / "report.json")
    args = parser.parse_args(argv)
    source = args.data / "reuters21578" / "reuters21578.jsonl.gz"
    if not source.is_file():
        print(f"skipped: {source} not found (pass --data)")
        return 0
    stories = [x for x in iter_read(source) if isinstance(x, Document)]
    runs = []
    for size in args.sizes.split(","):
        n = len(stories) if size.strip() == "all" else int(size)
        result = run(list(itertools.islice(stories, n)), not args.no_browser)
        runs.append(result)
        b = result["browser"] or {}
        print(f"{result['documents']:,} stories: build {result['build_s']} s, "
              f"{result['bytes'] / 1e6:.1f} MB, ready {b.get('ready_s', '-')} s, "
              f"{b.get('dom_elements', '-')} DOM elements (analysis {result['analyze_s']} s)",
              flush=True)
    rows = []
    for r in runs:
        b = r["browser"] or {}
        rows.append((f"{r['documents']:,}", r["analyze_s"], r["build_s"], r["bytes"] / 1e6,
                     b.get("ready_s", "-"), b.get("dom_elements", "-"),
                     b.get("click_to_pair_s", "-"), f"{r['pairs']:,}", f"{r['passages']:,}",
                     f"{r['edges']:,}", f"{r['families']:,}"))
    print()
    print(tabulate(rows, headers=("stories", "analysis s", "build s", "MB", "ready s",
                                  "DOM elements", "click->pair s", "pairs", "passages",
                                  "edges", "families"), floatfmt=".2f"))
    print(f"\ngoals for all of Reuters: build <= {GOALS['build_s']:g} s, size <= "
          f"{GOALS['megabytes']:g} MB, ready <= {GOALS['ready_s']:g} s")
    if any(r["browser"] is None for r in runs) and not args.no_browser:
        print("browser timing skipped: Playwright or Chromium not installed")
    write({"benchmark": "report", "goals": GOALS, "runs": runs}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
