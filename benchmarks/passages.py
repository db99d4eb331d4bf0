"""Passage quality and speed: seeds, MSRP, Clough A/B, Reuters-21578.

    python -m benchmarks.passages [--data ../shared/datasets] [--only seeds,msrp,clough,reuters]

- seeds: every passage found on the five seed articles.
- msrp: each MSRP pair as two one-sentence documents; the pair is "rewritten or closer" when
  ``align`` finds a passage. The decision threshold is chosen on the train split only (best
  F1), then precision, recall and F1 are reported on the test split, beside other sentence
  representations run the same way (content-stem sets, word 1/2/5-grams, character 4-grams,
  each with its own train threshold) and "always paraphrase"; and the score each gives the
  seeds' Politico rifle sentences, which share almost no word 5-gram.
- clough: each answer aligned with its source article; the share of the answer's characters
  covered by passages, by category (cut > light > heavy > non expected), and how well one
  coverage threshold separates derived answers from non-derived ones.
- reuters: ``find_passages`` over every Reuters-21578 story with text, against datasketch
  ``MinHash.update`` signing the same stories (word 5-grams, 128 permutations) in the same
  process: stories/s of each (CPU and wall time), their ratio, peak memory; and the Python
  reference road on the first ``--reference`` stories (same passages? how much slower?).

Writes benchmarks/results/passages.json with machine and versions.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from tabulate import tabulate

from benchmarks._clough import answers_with_sources
from benchmarks._results import RESULTS, kept_sections, write
from provenance import Document, PassageOptions, align, find_passages, read
from provenance.text.lexicon import content_terms
from provenance.text.sentences import words

ROOT = Path(__file__).resolve().parent.parent


def default_data() -> Path:
    return ROOT.parent / "shared" / "datasets"


def seeds() -> dict:
    docs = sorted(read(ROOT / "seeds").documents, key=lambda d: d.id)
    found = find_passages(docs)
    rows = [p.to_dict() for p in found]
    print(f"\nseeds: {len(found)} passages")
    print(tabulate([(p.a[:3], p.b[:3], p.kind, round(p.score, 3), p.quote or "",
                     " ".join(p.a_text.split())[:70], " ".join(p.b_text.split())[:70])
                    for p in found],
                   headers=("a", "b", "kind", "score", "quote", "a", "b")))
    return {"passages": rows}


def _msrp(data: Path, split: str) -> list[tuple[int, str, str]]:
    rows = []
    path = data / "msrp" / f"msr_paraphrase_{split}.txt"
    with open(path, encoding="utf-8-sig") as f:
        next(f)
        for line in f:
            quality, _, _, a, b = line.rstrip("\n").split("\t")
            rows.append((int(quality), a, b))
    return rows


def _best_threshold(labels, scores) -> float:
    best, best_f1 = 0.0, -1.0
    for t in sorted(set(scores)):
        f1 = _prf(labels, scores, t)[2]
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def _prf(labels, scores, t) -> tuple[float, float, float]:
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if y and s >= t)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if not y and s >= t)
    fn = sum(1 for y, s in zip(labels, scores, strict=True) if y and s < t)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _passage_score(a: str, b: str) -> float:
    """The best passage score ``align`` gives the pair with no score threshold (0: none)."""
    found = align(Document("a", a), Document("b", b), PassageOptions(threshold=1e-9, decision=0))
    return max((p.score for p in found), default=0.0)


def _shingle_jaccard(grams) -> callable:
    def score(a: str, b: str) -> float:
        x, y = grams(a), grams(b)
        return len(x & y) / len(x | y) if x | y else 0.0
    return score


def _word_grams(n: int):
    def grams(text: str) -> set:
        w = words(text)
        return {tuple(w[i : i + n]) for i in range(max(1, len(w) - n + 1))}
    return grams


def _char_grams(n: int):
    def grams(text: str) -> set:
        t = " ".join(words(text))
        return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}
    return grams


def _content_set(text: str) -> set:
    return set(content_terms(words(text)))


REPRESENTATIONS = (
    ("provenance align (weighted content terms)", _passage_score),
    ("content-word (stem) set Jaccard", _shingle_jaccard(_content_set)),
    ("word-unigram Jaccard", _shingle_jaccard(_word_grams(1))),
    ("word-bigram Jaccard", _shingle_jaccard(_word_grams(2))),
    ("word-5-gram Jaccard", _shingle_jaccard(_word_grams(5))),
    ("char-4-gram Jaccard", _shingle_jaccard(_char_grams(4))),
)
RIFLES = (
    "Politico reported on March 16 that trade and customs data from between June and December "
    "2022 showed that Chinese companies had exported 1,000 assault rifles and other equipment, "
    "such as drone parts and body armor, to Russian entities but that there was no explicit "
    "evidence the shipments were intended for Russian troops in Ukraine.",
    "It was also previously reported that Chinese companies have sent over 1,000 assault "
    "rifles and body armor to Moscow between June and December 2022.",
)


def msrp(data: Path) -> dict:
    train, test = _msrp(data, "train"), _msrp(data, "test")
    out = {}
    table = []
    for name, func in REPRESENTATIONS:
        tr = [func(a, b) for _, a, b in train]
        te = [func(a, b) for _, a, b in test]
        t = _best_threshold([y for y, _, _ in train], tr)
        p, r, f1 = _prf([y for y, _, _ in test], te, t)
        rifles = func(*RIFLES)
        out[name] = {"threshold": round(t, 4), "precision": round(p, 4), "recall": round(r, 4),
                     "f1": round(f1, 4), "rifle_pair_score": round(rifles, 4),
                     "train_f1": round(_prf([y for y, _, _ in train], tr, t)[2], 4)}
        table.append((name, round(t, 3), p, r, f1, rifles, "yes" if rifles >= t else "no"))
    p, r, f1 = _prf([y for y, _, _ in test], [1.0] * len(test), 0.5)
    out["always paraphrase"] = {"precision": round(p, 4), "recall": round(r, 4),
                                "f1": round(f1, 4)}
    table.append(("always paraphrase", "", p, r, f1, "", ""))
    print(f"\nMSRP test split ({len(test)} pairs; each threshold chosen on the {len(train)} "
          "train pairs); last columns: the seeds' Politico rifle sentences under each")
    print(tabulate(table, headers=("representation", "threshold", "precision", "recall", "F1",
                                   "rifle pair", "found"), floatfmt=".4f"))
    return out


def clough(data: Path) -> dict:
    rows = []
    for row, answer, source in answers_with_sources(data):
        found = align(answer, source)
        covered = set()
        for p in found:
            covered.update(range(p.a_start, p.a_end))
        chars = sum(1 for c in answer.text if not c.isspace())
        share = sum(1 for i in covered if not answer.text[i].isspace()) / chars
        rows.append((row["file"], row["category"], share, len(found)))
    categories = ("cut", "light", "heavy", "non")
    means = {c: sum(r[2] for r in rows if r[1] == c) / max(1, sum(r[1] == c for r in rows))
             for c in categories}
    derived = [r[1] != "non" for r in rows]
    shares = [r[2] for r in rows]
    best_t, best_acc = 0.0, 0.0
    for t in sorted(set(shares)):
        acc = sum((s >= t) == d for s, d in zip(shares, derived, strict=True)) / len(rows)
        if acc > best_acc:
            best_t, best_acc = t, acc
    print(f"\nClough A/B: {len(rows)} answers against their sources; share of each answer "
          "covered by passages")
    print(tabulate([(c, sum(r[1] == c for r in rows), means[c]) for c in categories],
                   headers=("category", "answers", "mean coverage"), floatfmt=".3f"))
    order_ok = means["cut"] > means["light"] > means["heavy"] > means["non"]
    print(f"ranking cut > light > heavy > non: {'yes' if order_ok else 'NO'}; one threshold "
          f"({best_t:.3f}) separates derived from non-derived with accuracy {best_acc:.3f} "
          "(chosen on these same 38 answers)")
    return {"mean_coverage": {c: round(v, 4) for c, v in means.items()},
            "ranking_holds": order_ok, "separating_threshold": round(best_t, 4),
            "separating_accuracy": round(best_acc, 4),
            "answers": [{"file": f, "category": c, "coverage": round(s, 4), "passages": n}
                        for f, c, s, n in rows]}


def _datasketch_update(texts: list[str]) -> None:
    """datasketch ``MinHash.update`` once per word 5-gram, 128 permutations (as benchmarks.core)."""
    from datasketch import MinHash

    for text in texts:
        m = MinHash(num_perm=128, seed=1, scheme="affine32")
        w = words(text)
        for i in range(len(w) - 4):
            m.update(" ".join(w[i : i + 5]).encode())


def _timed(func) -> tuple[float, float, object]:
    """``(cpu seconds, wall seconds, result)``: CPU time of this process, which a shared,
    loaded machine disturbs less than wall time (everything timed here runs on one thread)."""
    cpu, wall = time.process_time(), time.perf_counter()
    out = func()
    return time.process_time() - cpu, time.perf_counter() - wall, out


def reuters(data: Path, reference: int = 2000) -> dict:
    """Passages over every Reuters-21578 story with text, against datasketch ``MinHash.update``
    signing the same stories, in this one process: passages, datasketch, passages again (the
    ratio takes the mean of the two passage runs). Then the Python reference road on the first
    ``reference`` stories: the same passages, and its speed."""
    path = data / "reuters21578" / "reuters21578.jsonl.gz"
    start = time.perf_counter()
    corpus = read(path)
    docs = sorted(corpus.documents, key=lambda d: d.id)
    texts = [d.text for d in docs]
    read_s = time.perf_counter() - start
    find_passages(docs[:50])  # load (or compile) the kernels outside the timings
    from provenance.passages.kernel import kernels_cached

    cached = kernels_cached()
    cpu1, wall1, found = _timed(lambda: find_passages(docs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ds_cpu, ds_wall, _ = _timed(lambda: _datasketch_update(texts))
    cpu2, wall2, again = _timed(lambda: find_passages(docs))
    assert again == found
    cpu, wall = (cpu1 + cpu2) / 2, (wall1 + wall2) / 2
    n = len(docs)
    kinds = {k: sum(p.kind == k for p in found) for k in ("verbatim", "near_verbatim",
                                                           "rewritten")}
    out = {"documents": n, "read_seconds": round(read_s, 2), "kernels_cached": cached,
           "passages": len(found), "kinds": kinds, "peak_rss_mb_after_passages": round(peak),
           "passages_cpu_seconds": [round(cpu1, 2), round(cpu2, 2)],
           "passages_wall_seconds": [round(wall1, 2), round(wall2, 2)],
           "datasketch_update_cpu_seconds": round(ds_cpu, 2),
           "datasketch_update_wall_seconds": round(ds_wall, 2),
           "passages_stories_per_cpu_s": round(n / cpu), "passages_stories_per_s": round(n / wall),
           "datasketch_stories_per_cpu_s": round(n / ds_cpu),
           "datasketch_stories_per_s": round(n / ds_wall),
           "ratio_cpu": round(ds_cpu / cpu, 2), "ratio_wall": round(ds_wall / wall, 2),
           "load_average": os.getloadavg()}
    rows = [("passages (compiled road), all stories", n, cpu, wall, 1.0),
            ("datasketch MinHash.update, word 5-grams, 128 perm", n, ds_cpu, ds_wall,
             ds_cpu / cpu)]
    if reference:
        sub = docs[:reference]
        fast_cpu, _, fast = _timed(lambda: find_passages(sub))
        ref_cpu, ref_wall, slow = _timed(lambda: find_passages(sub, engine="python"))
        out["reference"] = {"documents": len(sub), "passages": len(slow), "same": fast == slow,
                            "compiled_cpu_seconds": round(fast_cpu, 2),
                            "python_cpu_seconds": round(ref_cpu, 2),
                            "speedup": round(ref_cpu / fast_cpu, 2)}
        rows.append((f"passages (Python reference road), first {len(sub):,}", len(sub),
                     ref_cpu, ref_wall, (ds_cpu / n) / (ref_cpu / len(sub))))
    print(f"\nReuters-21578: {n:,} stories with text, read in {read_s:.1f} s; {len(found):,} "
          f"passages {kinds}; peak RSS {peak:,.0f} MB after the passages; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; kernels cached: {cached}")
    print(tabulate([(name, k, round(c, 2), round(w, 2), round(k / c), round(k / w),
                     f"{r:.2f}x" if r != 1.0 else "")
                    for name, k, c, w, r in rows],
                   headers=("road", "stories", "CPU s", "wall s", "stories/CPU s",
                            "stories/s", "datasketch / passages time")))
    print(f"passages run {out['ratio_cpu']:.2f}x the stories/s of datasketch update (CPU time; "
          f"{out['ratio_wall']:.2f}x by wall time)")
    if reference:
        r = out["reference"]
        print(f"first {r['documents']:,} stories: compiled and Python roads give "
              f"{'the same' if r['same'] else 'DIFFERENT'} {r['passages']:,} passages; the "
              f"compiled road is {r['speedup']:.1f}x faster")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--only", default="seeds,msrp,clough,reuters")
    parser.add_argument("--out", type=Path, default=RESULTS / "passages.json")
    parser.add_argument("--reference", type=int, default=2000,
                        help="stories the Python reference road also runs on (0: none)")
    args = parser.parse_args(argv)
    # sections not run this time are kept from the last run that had them (--only)
    report: dict = {**kept_sections(args.out, ("seeds", "msrp", "clough", "reuters"),
                                    args.only.split(",")), "benchmark": "passages"}
    for name in args.only.split(","):
        if name != "seeds" and not args.data.is_dir():
            print(f"{name}: skipped, no datasets at {args.data} (pass --data)")
            continue
        if name == "reuters":
            report[name] = reuters(args.data, args.reference)
            continue
        report[name] = {"seeds": seeds, "msrp": msrp, "clough": clough,
                        }[name](*(() if name == "seeds" else (args.data,)))
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
