"""Provenance quality: direction on Clough A/B, copy edges on Reuters-21578 re-issues.

    python -m benchmarks.provenance [--data ../shared/datasets] [--only clough,reuters]

- clough: the 38 answers and 2 sources analyzed as one corpus. For each answer: does an edge
  run from its source ``orig_task?`` to it (direction right), from it to the source (wrong), or
  neither; non-derived answers should get no copy edge. Then a 4-way classification (cut /
  light / heavy / non) from the passages (covered share, verbatim share, near-verbatim share)
  beside a baseline of word-5-gram containment thresholds; both tuned by leave-one-out (each
  answer classified with thresholds chosen on the other 37), accuracy reported.
- reuters: every story with text; near-duplicate pairs (Jaccard >= 0.8) with different
  timestamps; how many copy edges run from the earlier to the later story, and 20 listed for a
  check by hand.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

from tabulate import tabulate

from benchmarks._results import RESULTS, write
from provenance import ScanConfig, analyze, read
from provenance.trace.graph import build_edges

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("cut", "light", "heavy", "non")


def _classify(values: tuple[float, ...], t: tuple[float, ...], kind: str) -> str:
    if kind == "passages":
        covered, verbatim, near = values
        if covered < t[0]:
            return "non"
        if verbatim >= t[1]:
            return "cut"
        return "light" if verbatim + near >= t[2] else "heavy"
    (containment,) = values
    if containment < t[0]:
        return "non"
    if containment >= t[2]:
        return "cut"
    return "light" if containment >= t[1] else "heavy"


def _loo_accuracy(rows, kind: str, grid) -> float:
    right = 0
    for i, (_, label, values) in enumerate(rows):
        rest = rows[:i] + rows[i + 1:]
        best = max(grid, key=lambda t: sum(_classify(v, t, kind) == y for _, y, v in rest))
        right += _classify(values, best, kind) == label
    return right / len(rows)


def clough(data: Path) -> dict:
    folder = data / "clough_stevenson_ab"
    info = {r["file"].removesuffix(".txt"): r for r in
            csv.DictReader(open(folder / "file_information.csv", encoding="utf-8"))}
    analysis = analyze(read(folder / "corpus-20090418"), ScanConfig())
    docs = {d.id: d for d in analysis.documents}
    copy_kinds = ("copied", "rewrote")
    edges = {(e.source, e.target) for e in analysis.edges if e.kind in copy_kinds}
    pairs = {(p.a, p.b): p for p in analysis.pairs}
    outcome, rows_p, rows_c = [], [], []
    for doc_id, row in sorted(info.items()):
        if row["category"] == "orig":
            continue
        source = row["source_file"].removesuffix(".txt")
        right = (source, doc_id) in edges
        wrong = (doc_id, source) in edges
        outcome.append((doc_id, row["category"], right, wrong))
        text = docs[doc_id].text
        spans = {k: set() for k in ("any", "verbatim", "near_verbatim")}
        for p in analysis.passages:
            if {p.a, p.b} == {doc_id, source}:
                start, end = (p.a_start, p.a_end) if p.a == doc_id else (p.b_start, p.b_end)
                spans["any"].update(range(start, end))
                if p.kind in spans:
                    spans[p.kind].update(range(start, end))
        chars = max(1, sum(1 for c in text if not c.isspace()))
        share = {k: sum(1 for i in v if not text[i].isspace()) / chars for k, v in spans.items()}
        rows_p.append((doc_id, row["category"],
                       (share["any"], share["verbatim"], share["near_verbatim"])))
        pair = pairs.get(tuple(sorted((doc_id, source))))
        contained = 0.0
        if pair is not None:
            contained = pair.containment_a_in_b if pair.a == doc_id else pair.containment_b_in_a
        rows_c.append((doc_id, row["category"], (contained,)))
    steps = [i / 20 for i in range(21)]
    grid_p = [t for t in itertools.product(steps, steps, steps)]
    grid_c = [t for t in itertools.product(steps, steps, steps) if t[0] <= t[1] <= t[2]]
    acc_p = _loo_accuracy(rows_p, "passages", grid_p)
    acc_c = _loo_accuracy(rows_c, "containment", grid_c)
    derived = [o for o in outcome if o[1] != "non"]
    non = [o for o in outcome if o[1] == "non"]
    summary = {
        "derived_answers": len(derived),
        "edge_from_source": sum(o[2] for o in derived),
        "edge_to_source": sum(o[3] for o in derived),
        "non_derived_answers": len(non),
        "non_derived_with_copy_edge": sum(o[2] or o[3] for o in non),
        "four_way_accuracy_passages_loo": round(acc_p, 4),
        "four_way_accuracy_containment_baseline_loo": round(acc_c, 4),
    }
    print("\nClough A/B direction")
    print(tabulate([(c, sum(o[1] == c for o in outcome), sum(o[2] for o in outcome if o[1] == c),
                     sum(o[3] for o in outcome if o[1] == c)) for c in CATEGORIES],
                   headers=("category", "answers", "edge source->answer",
                            "edge answer->source")))
    print(f"4-way cut/light/heavy/non, leave-one-out accuracy: passages {acc_p:.3f}; word-5-gram "
          f"containment baseline {acc_c:.3f}")
    summary["answers"] = [{"file": o[0], "category": o[1], "from_source": o[2],
                           "to_source": o[3]} for o in outcome]
    return summary


def reuters(data: Path) -> dict:
    corpus = read(data / "reuters21578" / "reuters21578.jsonl.gz")
    analysis = analyze(corpus, ScanConfig(passages=True))
    dated = {d.id: analysis.dates[d.id].published for d in analysis.documents}
    close = [p for p in analysis.pairs if p.jaccard >= 0.8
             and dated.get(p.a) and dated.get(p.b) and dated[p.a] != dated[p.b]]
    copy = {(e.source, e.target): e for e in analysis.edges if e.kind in ("copied", "rewrote")}
    forward = backward = none = 0
    listed = []
    for p in close:
        early, late = (p.a, p.b) if dated[p.a] < dated[p.b] else (p.b, p.a)
        if (early, late) in copy:
            forward += 1
            if len(listed) < 20:
                listed.append({"earlier": early, "later": late, "jaccard": round(p.jaccard, 3),
                               "reasons": list(copy[(early, late)].reasons)})
        elif (late, early) in copy:
            backward += 1
        else:
            none += 1
    print(f"\nReuters-21578: {len(close)} near-duplicate pairs (Jaccard >= 0.8) with different "
          f"timestamps; copy edge earlier->later: {forward}, later->earlier: {backward}, "
          f"none: {none}; {len(analysis.edges)} edges in all")
    # The same passages with the dates withheld: does the text alone point the way the
    # timestamps do?
    undated = build_edges(analysis.passages, analysis.attributions, {}, analysis.documents)
    jaccard = {frozenset((p.a, p.b)): p.jaccard for p in analysis.pairs}
    text_only = {"all": [0, 0, 0], "jaccard>=0.3": [0, 0, 0]}
    for e in undated:
        if e.source not in dated or e.target not in dated:
            continue  # an outside source
        s, t = dated[e.source], dated[e.target]
        if not s or not t or s == t:
            continue
        for name, low in (("all", 0.0), ("jaccard>=0.3", 0.3)):
            if jaccard.get(frozenset((e.source, e.target)), 0.0) >= low:
                slot = 2 if e.kind == "undecided" else (0 if s < t else 1)
                text_only[name][slot] += 1
    for name, (agree, disagree, undecided) in text_only.items():
        print(f"text alone (dates withheld), {name}: earlier->later {agree}, later->earlier "
              f"{disagree}, undecided {undecided}")
    return {"pairs": len(close), "earlier_to_later": forward, "later_to_earlier": backward,
            "no_edge": none, "edges": len(analysis.edges), "sample": listed,
            "text_only": {k: dict(zip(("earlier_to_later", "later_to_earlier", "undecided"), v,
                                      strict=True)) for k, v in text_only.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--only", default="clough,reuters")
    parser.add_argument("--out", type=Path, default=RESULTS / "provenance.json")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"skipped: no datasets at {args.data} (pass --data)")
        return 0
    report = {"benchmark": "provenance"}
    for name in args.only.split(","):
        report[name] = {"clough": clough, "reuters": reuters}[name](args.data)
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
