"""Reading at the kernel's pace: ``iter_read`` on 50,000 600-word JSONL documents (issue 17).

    python -m benchmarks.read [--docs 50000] [--profile] [--work DIR]

Generates the documents once (synthetic words over a Zipf vocabulary, metadata as a feed
carries it: id, outlet, url, published, title) into ``--work`` (a temporary folder by default)
as ``.jsonl`` and ``.jsonl.gz``, then times, in one process, each path over the same bytes:

- floors: the lines alone (``for line in file``), ``json.loads`` and ``orjson.loads`` per line
  (the parse any reader does), the ``.gz`` lines alone;
- ``iter_read`` on the ``.jsonl`` and on the ``.jsonl.gz`` (documents with ids, metadata,
  checks: what ``dedup`` and ``index add`` consume).

``--baseline FILE`` also times another version of ``provenance/read/files.py`` (say, the
one before a change: ``git show REV:provenance/read/files.py > /tmp/files_before.py``) in the
same process, each reader path of both run alternately, so that the ratio is not the noise of a
shared machine.

``--profile`` prints where ``iter_read`` spends its time (cProfile, top 15 by own time).

``--pages`` measures article extraction instead, on the CMS-style pages of ``tests/pages.py``
(WordPress-like, a news site with JSON-LD, a table layout, AMP, and two pages written after the
clutter rules as a held-out check): for the reader without its clutter rules, with them, and
trafilatura (``pip install -e '.[bench]'``; its column is left out when it is not installed):
share of the article's paragraphs kept, clutter lines let in, milliseconds per page (median of
25 runs). Results go to ``benchmarks/results/read.json`` (``read_pages.json`` for ``--pages``).
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import pstats
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
from tabulate import tabulate

from benchmarks._results import RESULTS, write
from provenance import iter_read

WORDS = 600


def generate(folder: Path, docs: int, seed: int = 0) -> Path:
    """``docs`` JSONL records of 600 words each; returns the ``.jsonl`` path (and writes .gz)."""
    path = folder / f"feed{docs}.jsonl"
    if path.exists() and path.with_suffix(".jsonl.gz").exists():
        return path
    rng = np.random.default_rng(seed)
    vocab_size = 50_000
    lengths = rng.integers(2, 11, vocab_size)
    vocab = ["".join(chr(c) for c in rng.integers(ord("a"), ord("z") + 1, n)) for n in lengths]
    ranks = 1.0 / np.arange(1, vocab_size + 1)
    p = ranks / ranks.sum()
    outlets = ["Reuters", "AP", "Politico", "The Hill", "Euronews"]
    with open(path, "wb") as f:
        for i in range(docs):
            words = rng.choice(vocab_size, WORDS, p=p)
            text = " ".join(vocab[w] for w in words).capitalize() + "."
            record = {"id": f"story-{i}", "title": f"Story {i}", "outlet": outlets[i % 5],
                      "url": f"https://example.org/world/story-{i}",
                      "published": f"2023-04-{1 + i % 28:02d}T10:00:00Z", "text": text}
            f.write(orjson.dumps(record) + b"\n")
    with open(path, "rb") as src, gzip.open(path.with_suffix(".jsonl.gz"), "wb", 6) as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return path


def timed(fn, repeat: int = 2) -> float:
    """The best of ``repeat`` runs, in seconds (the machine is shared and noisy)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def load_baseline(path: Path):
    """``iter_read`` of another version of the reader module, imported under its own name."""
    import importlib.util
    import sys

    name = "provenance_read_files_baseline"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.iter_read


def run(docs: int, work: Path, profile: bool, quick: bool = False,
        baseline: Path | None = None) -> dict:
    path = generate(work, docs)
    gz = path.with_suffix(".jsonl.gz")
    size = path.stat().st_size

    def lines() -> None:
        with open(path, "rb") as f:
            for _ in f:
                pass

    def gz_lines() -> None:
        with gzip.open(gz, "rb") as f:
            for _ in io.BufferedReader(f):
                pass

    def stdlib() -> None:
        with open(path, "rb") as f:
            for line in f:
                json.loads(line)

    def fast() -> None:
        with open(path, "rb") as f:
            for line in f:
                orjson.loads(line)

    def reader(p: Path, fn=iter_read):
        def go() -> None:
            n = sum(1 for _ in fn(p))
            assert n == docs, n
        return go

    old = load_baseline(baseline) if baseline is not None else None

    rows = []
    paths = (("lines only (.jsonl)", lines), ("lines only (.jsonl.gz)", gz_lines),
             ("json.loads per line", stdlib), ("orjson.loads per line", fast),
             ("iter_read .jsonl", reader(path)), ("iter_read .jsonl.gz", reader(gz)))
    if old is not None:
        paths += (("baseline iter_read .jsonl", reader(path, old)),
                  ("iter_read .jsonl (again)", reader(path)),
                  ("baseline iter_read .jsonl.gz", reader(gz, old)),
                  ("iter_read .jsonl.gz (again)", reader(gz)))
    if quick:
        paths = tuple(p for p in paths if p[0].startswith(("json.", "iter_read", "baseline")))
    for name, fn in paths:
        seconds = timed(fn)
        rows.append({"path": name, "seconds": round(seconds, 3),
                     "docs_per_s": round(docs / seconds), "mb_per_s": round(size / seconds / 1e6)})
        print(f"  {name}: {docs / seconds:,.0f} docs/s", flush=True)
    print(tabulate([(r["path"], f"{r['seconds']:.2f}", f"{r['docs_per_s']:,}", r["mb_per_s"])
                    for r in rows], headers=["path", "s", "docs/s", "MB/s"]))
    report = {"docs": docs, "words": WORDS, "bytes": size, "rows": rows}
    if profile:
        prof = cProfile.Profile()
        prof.runcall(reader(path))
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    return report


def pages() -> dict:
    import statistics
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from provenance.read.html import extract_html
    from tests.pages import PAGES, score

    extractors = {"selectolax, no clutter rules": lambda h: extract_html(h, clutter=False).text,
                  "selectolax + clutter rules (ours)": lambda h: extract_html(h).text}
    try:
        import trafilatura

        extractors["trafilatura " + trafilatura.__version__] = (
            lambda h: trafilatura.extract(h) or "")
    except ImportError:
        print("trafilatura is not installed (pip install -e '.[bench]'): its column is left out")
    rows = []
    for page in PAGES:
        for name, fn in extractors.items():
            fn(page.html)  # warm
            times = []
            for _ in range(25):
                start = time.perf_counter()
                text = fn(page.html)
                times.append(time.perf_counter() - start)
            kept, let_in = score(text, page)
            rows.append({"page": page.name, "extractor": name, "kept": kept,
                         "clutter_let_in": let_in, "clutter_lines": len(page.clutter),
                         "ms": round(statistics.median(times) * 1000, 2)})
    print(tabulate([(r["page"], r["extractor"], f"{r['kept']:.0%}",
                     f"{r['clutter_let_in']}/{r['clutter_lines']}", r["ms"]) for r in rows],
                   headers=["page", "extractor", "article kept", "clutter let in", "ms/page"]))
    return {"pages": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the generated JSONL (kept; default: a temporary one)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--pages", action="store_true", help="article extraction on test pages")
    parser.add_argument("--quick", action="store_true",
                        help="only json.loads and the reader (for runs of two trees back to back)")
    parser.add_argument("--out", type=Path, default=RESULTS / "read.json")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another version of provenance/read/files.py to time beside")
    args = parser.parse_args()
    if args.pages:
        write(pages(), RESULTS / "read_pages.json")
        return
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        report = run(args.docs, args.work, args.profile, args.quick, args.baseline)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(args.docs, Path(tmp), args.profile, args.quick, args.baseline)
    write(report, args.out)


if __name__ == "__main__":
    main()
