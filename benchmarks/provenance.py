"""Provenance quality and scale: reuse families on Clough A/B, Reuters-21578 and a syndicated
story run 3,000 times.

    python -m benchmarks.provenance [--data ../shared/datasets] [--only clough,reuters,syndication]

- clough: the 38 answers and 5 sources analyzed as one corpus (no dates at all). Per task: is
  the source file the origin of the family holding most of its derived answers? Per derived
  answer (cut, light, heavy): does its family tree run from the source down to it (right), from
  it up to the source (wrong), or neither (undecided)? Pairs of derived answers of one task
  that share a passage (they share text only through the source: the answers were written
  independently): how many get a copy edge between them? Non-derived answers: how many join a
  family with their source? Then the earlier 4-way classification (cut / light / heavy / non)
  from the passages beside word-5-gram containment thresholds, by leave-one-out.
- reuters: every story with text. The scan's time with the families phase against the same
  scan's old pairwise provenance (``build_edges``) timed in the same process; families and
  their size distribution; near-duplicate pairs (exact Jaccard >= 0.8 of the word 5-grams of
  the text as filed, as ``provenance dedup`` decides) with different timestamps:
  in one family, ordered by time, the later one below the earlier one in the tree; the same
  with the dates withheld; the pairs in no family listed; 20 families printed for a check by
  hand. Then through the index: every story but the later one of each re-issue pair indexed,
  each later story queried with ``Index.query_families`` -- does it join a family holding the
  earlier story, with which origin and parent -- and timed against ``Index.query`` alone.
- syndication: one short story run by 3,000 outlets (a line of their own each, dated a minute
  apart), in a fresh process: wall time per phase and peak memory.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from tabulate import tabulate

from benchmarks._clough import file_information
from benchmarks._results import RESULTS, kept_sections, write
from provenance import Document, ScanConfig, analyze, read
from provenance.trace import build_families
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


def _ancestors(family, doc: str) -> list[str]:
    parents = {m.doc: m.parent for m in family.members}
    out, x = [], parents.get(doc)
    while x is not None and x not in out:
        out.append(x)
        x = parents.get(x)
    return out


def _direction(families, source: str, doc: str) -> str:
    """``right`` when a family's tree runs from ``source`` down to ``doc``, ``wrong`` when up
    from ``doc`` to ``source``, else ``undecided`` (``none`` when no family holds both)."""
    shared = [f for f in families if {source, doc} <= {m.doc for m in f.members}]
    if not shared:
        return "none"
    if any(source in _ancestors(f, doc) for f in shared):
        return "right"
    if any(doc in _ancestors(f, source) for f in shared):
        return "wrong"
    return "undecided"


def clough(data: Path) -> dict:
    info = file_information(data)
    analysis = analyze(read(data / "clough_stevenson_ab" / "corpus-20090418"), ScanConfig())
    assert not any(i.published for i in analysis.dates.values()), "Clough has no dates"
    docs = {d.id: d for d in analysis.documents}
    families = analysis.families
    copy_edges = {frozenset((e.source, e.target)) for e in analysis.edges
                  if e.kind in ("copied", "rewrote")}
    pairs = {(p.a, p.b): p for p in analysis.pairs}
    outcome, rows_p, rows_c = [], [], []
    tasks: dict[str, dict] = {}
    for doc_id, row in sorted(info.items()):
        if row["category"] == "orig":
            continue
        source = row["source_file"].removesuffix(".txt")
        verdict = _direction(families, source, doc_id)
        outcome.append((doc_id, row["category"], verdict))
        tasks.setdefault(source, {"derived": [], "non": []})[
            "non" if row["category"] == "non" else "derived"].append(doc_id)
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
    task_rows = []
    for source, group in sorted(tasks.items()):
        holding = [f for f in families if source in {m.doc for m in f.members}]
        best = max(holding, key=lambda f: (len(set(group["derived"])
                                               & {m.doc for m in f.members}), -f.size),
                   default=None)
        held = len(set(group["derived"]) & {m.doc for m in best.members}) if best else 0
        task_rows.append({"source": source, "family": best.id if best else None,
                          "origin": (best.origin.doc or best.origin.kind) if best else None,
                          "source_is_origin": bool(best and best.origin.doc == source),
                          "derived": len(group["derived"]), "derived_in_family": held,
                          "non_in_family_with_source": sum(
                              any({n, source} <= {m.doc for m in f.members} for f in families)
                              for n in group["non"])})
    # Pairs of derived answers of one task sharing a passage: text shared through the source.
    sibling_pairs = sorted({frozenset((p.a, p.b)) for p in analysis.passages
                            if p.a in info and p.b in info
                            and info[p.a]["category"] not in ("orig", "non")
                            and info[p.b]["category"] not in ("orig", "non")
                            and info[p.a]["source_file"] == info[p.b]["source_file"]},
                           key=sorted)
    with_copy = [sorted(p) for p in sibling_pairs if p in copy_edges]
    steps = [i / 20 for i in range(21)]
    grid_p = list(itertools.product(steps, steps, steps))
    grid_c = [t for t in itertools.product(steps, steps, steps) if t[0] <= t[1] <= t[2]]
    acc_p = _loo_accuracy(rows_p, "passages", grid_p)
    acc_c = _loo_accuracy(rows_c, "containment", grid_c)
    derived = [o for o in outcome if o[1] != "non"]
    count = Counter(o[2] for o in derived)
    decided = count["right"] + count["wrong"]
    non = [o for o in outcome if o[1] == "non"]
    summary = {
        "tasks": task_rows,
        "derived_answers": len(derived),
        "direction_right": count["right"], "direction_wrong": count["wrong"],
        "direction_undecided": count["undecided"], "no_family_with_source": count["none"],
        "decided_share": round(decided / len(derived), 4),
        "right_of_decided": round(count["right"] / decided, 4) if decided else None,
        "answer_pairs_sharing_a_passage": len(sibling_pairs),
        "answer_pairs_with_copy_edge": len(with_copy),
        "answer_pairs_with_copy_edge_list": with_copy,
        "non_derived_answers": len(non),
        "non_derived_in_family_with_source": sum(o[2] != "none" for o in non),
        # which of them share a passage with the source itself (not reached through another
        # answer's span), and how long each such passage is
        "non_derived_in_family_with_source_list": [
            {"file": o[0], "passages_with_source": [
                {"kind": p.kind, "score": round(p.score, 4),
                 "chars": (p.a_end - p.a_start) if p.a == o[0] else (p.b_end - p.b_start)}
                for p in analysis.passages
                if {p.a, p.b} == {o[0], info[o[0]]["source_file"].removesuffix(".txt")}]}
            for o in non if o[2] != "none"],
        "four_way_accuracy_passages_loo": round(acc_p, 4),
        "four_way_accuracy_containment_baseline_loo": round(acc_c, 4),
        "answers": [{"file": o[0], "category": o[1], "direction": o[2]} for o in outcome],
    }
    print("\nClough A/B families (no dates)")
    print(tabulate([(t["source"], t["family"], t["origin"], t["source_is_origin"],
                     f"{t['derived_in_family']}/{t['derived']}", t["non_in_family_with_source"])
                    for t in task_rows],
                   headers=("source", "family", "origin", "source is origin",
                            "derived in it", "non-derived with source")))
    print(tabulate([(c, sum(o[1] == c for o in outcome),
                     *(sum(o[2] == v for o in outcome if o[1] == c)
                       for v in ("right", "wrong", "undecided", "none"))) for c in CATEGORIES],
                   headers=("category", "answers", "source->answer", "answer->source",
                            "undecided", "no family with source")))
    print(f"derived answers: direction decided for {decided}/{len(derived)} "
          f"({summary['decided_share']:.0%}), right {count['right']}/{decided}; answer pairs "
          f"sharing a passage (only through the source): {len(sibling_pairs)}, with a copy edge: "
          f"{len(with_copy)}; non-derived answers in a family with their source: "
          f"{summary['non_derived_in_family_with_source']}/{len(non)}")
    for entry in summary["non_derived_in_family_with_source_list"]:
        print(f"non-derived answer {entry['file']} in a family with its source; its passages "
              f"with the source itself: {entry['passages_with_source'] or 'none'}")
    print(f"4-way cut/light/heavy/non, leave-one-out accuracy: passages {acc_p:.3f}; word-5-gram "
          f"containment baseline {acc_c:.3f}")
    return summary


def _size_buckets(families) -> dict[str, int]:
    buckets = {"2": 0, "3": 0, "4-5": 0, "6-10": 0, "11-20": 0, "21-50": 0, "51+": 0}
    for f in families:
        n = f.size
        key = ("2" if n == 2 else "3" if n == 3 else "4-5" if n <= 5 else "6-10" if n <= 10
               else "11-20" if n <= 20 else "21-50" if n <= 50 else "51+")
        buckets[key] += 1
    return buckets


def _reissues(families, close, dated) -> dict[str, int]:
    """Near-duplicate pairs with different timestamps: same family, members ordered by time,
    the later one below the earlier one in the tree (or the reverse, or neither)."""
    where: dict[str, list] = {}
    for f in families:
        for m in f.members:
            where.setdefault(m.doc, []).append(f)
    out = Counter()
    for p in close:
        early, late = (p.a, p.b) if dated[p.a] < dated[p.b] else (p.b, p.a)
        later = {f.id for f in where.get(late, [])}
        shared = [f for f in where.get(early, []) if f.id in later]
        if not shared:
            out["no_family"] += 1
            continue
        f = shared[0]
        order = [m.doc for m in f.members]
        out["same_family"] += 1
        out["ordered_by_time"] += order.index(early) < order.index(late)
        if early in _ancestors(f, late):
            out["tree_earlier_to_later"] += 1
        elif late in _ancestors(f, early):
            out["tree_later_to_earlier"] += 1
        else:
            out["tree_undecided"] += 1
    return dict(out)


def _show(f, width: int = 110) -> dict:
    flat = " ".join(f.text.split())
    return {"id": f.id, "size": f.size, "origin": f.origin.to_dict(),
            "text": flat[:width],
            "members": [(m.doc, m.published, m.parent, m.relation) for m in f.members[:6]]}


def reuters(data: Path) -> dict:
    # Every story of Reuters-21578 is Reuters' own: with the outlet known, "X told Reuters" is
    # the story's own interview, not a credit to an outside source (as in benchmarks.noise).
    corpus = read(data / "reuters21578" / "reuters21578.jsonl.gz")
    documents = tuple(replace(d, outlet="Reuters") for d in corpus.documents)
    corpus = replace(corpus, documents=documents)
    start = time.perf_counter()
    analysis = analyze(corpus, ScanConfig(passages=True))
    total = time.perf_counter() - start
    t0 = time.perf_counter()
    build_edges(analysis.passages, analysis.attributions, analysis.dates, analysis.documents,
                analysis.pairs)
    old_edges = time.perf_counter() - t0
    families = analysis.families
    phases = dict(analysis.timings)
    before = total - phases.get("families", 0.0) + old_edges
    dated = {d.id: analysis.dates[d.id].published for d in analysis.documents}
    close = [p for p in reissue_pairs(analysis.documents)
             if dated.get(p.a) and dated.get(p.b) and dated[p.a] != dated[p.b]]
    with_dates = _reissues(families, close, dated)
    t0 = time.perf_counter()
    undated = build_families(analysis.documents, analysis.passages, analysis.attributions, {})
    undated_time = time.perf_counter() - t0
    without = _reissues(undated, close, dated)
    sizes = _size_buckets(families)
    members = sum(f.size for f in families)
    origins = Counter(f.origin.kind for f in families)
    rng = random.Random(14)
    sample = [_show(f) for f in sorted(rng.sample(list(families), min(20, len(families))),
                                       key=lambda f: int(f.id[1:]))]
    print(f"\nReuters-21578: {len(analysis.documents):,} stories, scan {total:.1f} s "
          f"(families phase {phases.get('families', 0):.1f} s) vs the same scan with the old "
          f"pairwise edges instead {before:.1f} s: {total / before:.2f}x")
    print(f"{len(families):,} families, {members:,} members, largest {families[0].size}; "
          f"origins {dict(origins)}; sizes {sizes}")
    print(f"{len(close)} near-duplicate pairs with different timestamps: {with_dates}")
    print(f"same pairs, dates withheld ({undated_time:.1f} s): {without}")
    missing = [{"pair": [p.a, p.b], "jaccard": round(p.jaccard, 4)} for p in close
               if not _shared_family(families, p.a, p.b)]
    if missing:
        print(f"re-issue pairs in no family: {missing}")
    print("\n20 families for a check by hand:")
    for s in sample:
        print(json.dumps(s, ensure_ascii=False))
    joins = index_joins(analysis.documents, close, dated)
    return {"stories": len(analysis.documents), "scan_seconds": round(total, 2),
            "reissues_in_no_family": missing, "index_joins": joins,
            "phases": phases, "old_pairwise_edges_seconds": round(old_edges, 2),
            "scan_with_old_edges_seconds": round(before, 2),
            "ratio_to_old": round(total / before, 3), "families": len(families),
            "members": members, "largest": families[0].size if families else 0,
            "size_distribution": sizes, "origins": dict(origins),
            "reissue_pairs": len(close), "reissues_with_dates": with_dates,
            "reissues_dates_withheld": without, "sample": sample}


class Pair(NamedTuple):
    a: str
    b: str
    jaccard: float


def reissue_pairs(documents, threshold: float = 0.8) -> list[Pair]:
    """Every pair of stories at exact Jaccard >= ``threshold`` over the word 5-grams of their
    whole text, as ``provenance dedup`` decides: the re-issues are defined on the text as
    filed, not on what the scan keeps after setting the outlet's recurring short lines aside
    (which would move the set with every change to that rule)."""
    import numpy as np

    from provenance.dedup import exact_pairs
    from provenance.signatures import prepare, shingle_sets
    from provenance.signatures.text_bytes import pack

    buf, offsets = pack([prepare(d.text) for d in documents])
    hashes, starts, sizes = shingle_sets(buf, offsets[:-1], offsets[1:], 5)
    found, sims = exact_pairs(hashes, starts, sizes, threshold)
    order = np.lexsort((found[:, 1], found[:, 0])) if len(found) else []
    return [Pair(documents[int(found[k, 0])].id, documents[int(found[k, 1])].id,
                 float(sims[k])) for k in order]


def _shared_family(families, a: str, b: str) -> bool:
    return any({a, b} <= {m.doc for m in f.members} for f in families)


def index_joins(documents, close, dated, k: int = 10) -> dict:
    """The re-issues again, through the index: every story is indexed except the later story of
    each re-issue pair; each of those is then queried (``Index.query_families``, ``k``
    matches) and should join a family holding the earlier story, with an origin published no
    later than it and the query's parent in that family. The same queries with
    ``Index.query`` alone, in the same process, time the families step."""
    import tempfile

    from provenance.index import Index

    ordered = [(p.a, p.b) if dated[p.a] < dated[p.b] else (p.b, p.a) for p in close]
    later = {late for _, late in ordered}
    # a story both the later of one pair and the earlier of another is not indexed: the
    # pairs it is the earlier story of are left out (said in "skipped")
    pairs = sorted((early, late) for early, late in ordered if early not in later)
    by_id = {d.id: d for d in documents}
    queries = sorted({late for _, late in pairs})
    out, kinds, relations = Counter(), Counter(), Counter()
    with tempfile.TemporaryDirectory() as tmp, Index(f"{tmp}/reuters.db") as ix:
        t0 = time.perf_counter()
        ix.add(d for d in documents if d.id not in later)
        add_seconds = time.perf_counter() - t0
        ix.query(by_id[queries[0]], k=k)  # load the kernels before timing
        t0 = time.perf_counter()
        for q in queries:
            ix.query(by_id[q], k=k)
        plain = time.perf_counter() - t0
        answers = {}
        t0 = time.perf_counter()
        for q in queries:
            answers[q] = ix.query_families(by_id[q], k=k)
        with_families = time.perf_counter() - t0
    for early, late in pairs:
        a = answers[late]
        out["pairs"] += 1
        out["joins_a_family"] += bool(a.families)
        holding = [j for j in a.families if early in {m.doc for m in j.stored}]
        if not holding:
            out["earlier_not_in_a_joined_family"] += 1
            continue
        j = holding[0]
        out["joins_the_earlier_story"] += 1
        kinds[j.family.origin.kind] += 1
        relations[j.member.relation] += 1
        origin = {m.doc: m for m in j.family.members}.get(j.family.origin.doc)
        out["origin_no_later_than_earlier"] += bool(
            origin is not None and origin.doc != late and origin.published is not None
            and origin.published <= dated[early])
        out["origin_is_earlier"] += j.family.origin.doc == early
        out["parent_is_earlier"] += j.member.parent == early
        out["parent_in_family"] += j.member.parent is not None
    n = len(queries)
    result = {**dict(out), "origins": dict(kinds), "query_relations": dict(relations),
              "skipped": len(ordered) - len(pairs), "queries": n, "k": k,
              "indexed": len(documents) - len(later),
              "add_seconds": round(add_seconds, 1),
              "query_ms": round(1000 * plain / n, 1),
              "query_families_ms": round(1000 * with_families / n, 1),
              "families_step_ratio": round(with_families / plain, 2)}
    print(f"\nindex: {result['indexed']:,} stories indexed ({add_seconds:.0f} s), the later "
          f"story of {out['pairs']} re-issue pairs queried: {dict(out)}; origins "
          f"{dict(kinds)}; the query's relation {dict(relations)}; per query "
          f"{result['query_ms']} ms with Index.query, {result['query_families_ms']} ms with "
          f"Index.query_families ({result['families_step_ratio']}x)")
    return result


STORY = ("The city council voted on Tuesday to close the Elm Street bridge for repairs after "
         "inspectors found corroded steel beams. Mayor Anna Ruiz said the closure would last "
         "about eight months and cost 4.2 million dollars. Drivers will be sent over the Oak "
         "Avenue crossing, which engineers say can carry the extra 12,000 cars a day. Local shop "
         "owners warned that the detour would cut their sales during the holiday season. The "
         "council also approved a grant of 300,000 dollars to help businesses near the bridge. "
         "Work is expected to begin in March, once the state transport agency signs off on the "
         "plans. Inspectors first flagged the beams in a report published last spring, the "
         "mayor said. Residents can follow the work on a public website updated every week.")


def syndicated(n: int) -> list[Document]:
    """One story run by ``n`` outlets, each with a line of its own, a minute apart."""
    rng = random.Random(7)
    tails = ["", " Share this article.", " Reporting by staff.", " Edited for length."]
    return [Document(f"c{i:05d}", f"Outlet {i} staff report. " + STORY + rng.choice(tails),
                     outlet=f"Outlet {i}",
                     published=f"2024-03-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00Z")
            for i in range(n)]


def _peak_mb() -> int:
    """This process's peak resident memory in MB: the kernel's high-water mark of its own
    address space (``VmHWM``). ``ru_maxrss`` is not used where that is readable: on Linux it
    keeps the parent's peak across ``exec``, so a child started by a benchmark that holds all
    of Reuters reported the parent's 1.6 GB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _syndication_child(n: int) -> None:
    start = time.perf_counter()
    analysis = analyze(syndicated(n), ScanConfig())
    wall = time.perf_counter() - start
    f = analysis.families[0] if analysis.families else None
    print(json.dumps({
        "copies": n, "seconds": round(wall, 2),
        "phases": {k: round(v, 2) for k, v in analysis.timings.items()},
        "peak_rss_mb": _peak_mb(),
        "pairs": len(analysis.pairs), "passages": len(analysis.passages),
        "families": len(analysis.families), "largest_family": f.size if f else 0,
        "origin": f.origin.to_dict() if f else None, "edges": len(analysis.edges)}))


def syndication(data: Path, sizes=(300, 1000, 3000)) -> dict:
    out = {}
    for n in sizes:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.provenance", "--child", str(n)],
                              capture_output=True, text=True, cwd=ROOT, check=True)
        out[str(n)] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = out[str(n)]
        print(f"\nsyndication, {n:,} copies: {r['seconds']} s, peak {r['peak_rss_mb']} MB, "
              f"{r['pairs']:,} pairs, {r['families']} families (largest {r['largest_family']}, "
              f"origin {r['origin']['kind'] if r['origin'] else None}), {r['edges']} edges; "
              f"phases {r['phases']}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--only", default="clough,reuters,syndication")
    parser.add_argument("--sizes", default="300,1000,3000",
                        help="syndication: numbers of copies, each in its own process")
    parser.add_argument("--out", type=Path, default=RESULTS / "provenance.json")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _syndication_child(args.child)
        return 0
    names = args.only.split(",")
    if not args.data.is_dir() and set(names) - {"syndication"}:
        print(f"skipped: no datasets at {args.data} (pass --data)")
        names = [n for n in names if n == "syndication"]
    # sections not run this time are kept from the last run that had them (--only)
    report = {**kept_sections(args.out, ("clough", "reuters", "syndication"), names),
              "benchmark": "provenance"}
    for name in names:
        if name == "syndication":
            report[name] = syndication(args.data, tuple(int(x) for x in args.sizes.split(",")))
        else:
            report[name] = {"clough": clough, "reuters": reuters}[name](args.data)
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
