"""Signal, not noise: templates, credits and the passage operating point on real text.

    python -m benchmarks.noise [--data ../shared/datasets]
                               [--only reuters,index,credits,clough,webis,msrp]
                               [--lone-decision 0.6|off]

- reuters: ``analyze`` of the first 2,000 Reuters-21578 stories with text (outlet "Reuters",
  the corpus's one outlet). Passages, passages set aside as templates, the templates learned;
  the share of passages whose both sides are template lines, outside re-issued stories
  (document Jaccard >= 0.8); every re-issue keeps its copy edge; edge kinds.
  "Template line" is judged here by an *audit rule* independent of the library's learned
  templates: a side that starts like a Reuters results table or notice ("Shr", "Net",
  "Revs", "Avg shrs", "Qtly div", "NOTE:", bond-issue boilerplate ...). The hand list is the
  yardstick only; the library learns its templates from the corpus.
- index: the first 1,533 of those stories in a SQLite index, the last 467 queried against it
  as ``provenance index query`` does (passages on, the templates the index keeps of its
  stories): how many are flagged, how many of those only on audit-rule template lines, the
  templates and formulas the index knows, and 20 flagged stories (seeded sample) with the
  passage that flagged them, for checking by hand.
- credits: attributions on all Reuters stories: named-source (``attributed``) edges, by kind of
  source, and 20 of them (seeded sample) with their sentence, for checking by hand.
- clough: Clough & Stevenson A/B, each answer aligned with its source at the default operating
  point: independent answers that share a passage (want 0) and derived ones that do.
- webis: Webis-CPC-11 sample, source passage -> crowd rewrite: the share of accepted
  paraphrases and of rejected ones that share a passage at the operating point.
- msrp: MSRP test F1 of the sentence-paraphrase score (``decision=0``; threshold chosen on the
  train split), beside the passage operating point's F1 on the same pairs.

``--lone-decision X`` runs every section with ``PassageOptions(lone_decision=X)`` (a lone
rewritten sentence needs score X; ``off`` holds it to the passage decision; default: the
library's, 0.6).

Writes benchmarks/results/noise.json with machine and versions.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tabulate import tabulate

from benchmarks._clough import answers_with_sources
from benchmarks._results import RESULTS, kept_sections, write
from provenance import Document, PassageOptions, ScanOptions, align, analyze, read
from provenance.index import Index
from provenance.read.files import iter_read
from provenance.trace.attribution import CREDIT_KINDS, attributions
from provenance.trace.graph import NEAR_DUPLICATE, build_edges

ROOT = Path(__file__).resolve().parent.parent
PASSAGES = PassageOptions()  # the operating point every section uses (--lone-decision)
AUDIT = re.compile(
    r"^(?:(?:oper(?:ating)?|net|shr|shrs|revs?|revenues?|sales|avg|qtly|qtrly|quarterly|mthly|"
    r"monthly|semi|annual|div|dividend|year|qtr|quarter|\d+(?:st|nd|rd|th)|nine|six|three|"
    r"twelve|four|mths|months|note|notes|payment|pay|record|prior|loss|profit|deposits|loans|"
    r"assets|backlog|orders|gross|income|earnings|period|periods|ended|per|excludes|includes|"
    r"fees|denominations|results)\b|the (?:selling|payment|issue|bonds?|notes?)\b|it will be "
    r"listed|listed)", re.IGNORECASE)


def audit_template(text: str) -> bool:
    """The yardstick (not the method): a side that starts like a results table or notice."""
    return bool(AUDIT.match(" ".join(text.split()).lstrip("-*( ")))


def _reuters(data: Path, n: int = 2000) -> list[Document]:
    source = data / "reuters21578" / "reuters21578.jsonl.gz"
    docs = itertools.islice((x for x in iter_read(source) if isinstance(x, Document)), n)
    return [replace(d, outlet="Reuters") for d in docs]


def reuters(data: Path) -> dict:
    docs = _reuters(data)
    start = time.perf_counter()
    analysis = analyze(docs, ScanOptions(passages=PASSAGES))
    seconds = time.perf_counter() - start
    near = {frozenset((p.a, p.b)) for p in analysis.pairs if p.jaccard >= NEAR_DUPLICATE}
    outside = [p for p in analysis.passages if frozenset((p.a, p.b)) not in near]
    both = [p for p in outside if audit_template(p.a_text) and audit_template(p.b_text)]
    linked = {frozenset((e.source, e.target)) for e in analysis.edges
              if e.kind in ("copied", "reissued", "rewrote")}
    kept = sum(1 for pair in near if pair in linked)
    kinds: dict[str, int] = {}
    for e in analysis.edges:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    share = len(both) / max(1, len(analysis.passages))
    print(f"\nReuters, first {len(docs):,} stories: analyze {seconds:.1f} s; "
          f"{len(analysis.passages):,} passages, {analysis.template_passages:,} set aside as "
          f"templates ({len(analysis.templates)} learned)")
    print(f"both sides template lines (audit rule), outside {len(near)} re-issued pairs: "
          f"{len(both)} = {share:.1%} of all passages (goal < 3%)")
    print(f"re-issues (Jaccard >= {NEAR_DUPLICATE}) keeping a copy edge: {kept} of {len(near)}")
    print("edges by kind: " + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())))
    print("most used templates:")
    print(tabulate([(t.documents, t.shape, t.example[:60]) for t in analysis.templates[:10]],
                   headers=("documents", "shape", "example")))
    return {"documents": len(docs), "analyze_seconds": round(seconds, 2),
            "passages": len(analysis.passages), "set_aside": analysis.template_passages,
            "templates": len(analysis.templates),
            "template_both_sides_outside_reissues": len(both),
            "template_share": round(share, 4), "reissued_pairs": len(near),
            "reissues_with_copy_edge": kept, "edges": kinds,
            "template_examples": [t.to_dict() for t in analysis.templates[:20]],
            "remaining_template_passages": [
                {"a": p.a, "b": p.b, "a_text": p.a_text, "b_text": p.b_text} for p in both]}


def index(data: Path, split: int = 1533) -> dict:
    docs = _reuters(data)
    base, later = docs[:split], docs[split:]
    flagged = []
    with tempfile.TemporaryDirectory() as tmp:
        with Index(str(Path(tmp) / "reuters.db")) as idx:
            start = time.perf_counter()
            for _ in idx.add_all(base):
                pass
            add_seconds = time.perf_counter() - start
            known = idx.stats()
            start = time.perf_counter()
            for d in later:
                matches = idx.query(d, options=PASSAGES)
                if matches:
                    flagged.append((d, matches))
            seconds = time.perf_counter() - start
    only_templates = [
        (d, ms) for d, ms in flagged
        if all(m.passages and all(audit_template(p.a_text) and audit_template(p.b_text)
                                  for p in m.passages) for m in ms)]
    near = sum(1 for _, ms in flagged if any(m.similarity >= 0.5 for m in ms))
    rng = random.Random(13)
    sample = rng.sample(flagged, min(20, len(flagged)))
    print(f"\nindex: {len(base):,} stories indexed in {add_seconds:.1f} s (it knows "
          f"{known['templates']} templates, {known['formulas']} formula keys), {len(later)} "
          f"queried in {seconds:.1f} s: {len(flagged)} flagged ({near} as near-duplicates), "
          f"{len(only_templates)} of them only on template lines (audit rule)")
    rows = []
    for d, ms in sample:
        m = ms[0]
        p = m.passages[0] if m.passages else None
        rows.append({"query": d.id, "match": m.id, "similarity": round(m.similarity, 3),
                     "query_text": " ".join((p.a_text if p else d.text[:200]).split())[:200],
                     "match_text": " ".join((p.b_text if p else "").split())[:200]})
    for r in rows:  # whole enough to judge by hand
        print(f"{r['query']} -> {r['match']}  similarity {r['similarity']}\n"
              f"  query: {r['query_text']}\n  match: {r['match_text']}")
    return {"indexed": len(base), "queried": len(later), "seconds": round(seconds, 2),
            "add_seconds": round(add_seconds, 2), "templates": known["templates"],
            "formulas": known["formulas"],
            "flagged": len(flagged), "flagged_near_duplicates": near,
            "flagged_only_on_template_lines": len(only_templates), "sample": rows}


def credits(data: Path) -> dict:
    source = data / "reuters21578" / "reuters21578.jsonl.gz"
    docs = [replace(d, outlet="Reuters") for d in read(source).documents]
    start = time.perf_counter()
    found = [a for d in docs for a in attributions(d)]
    seconds = time.perf_counter() - start
    by_kind: dict[str, int] = {}
    for a in found:
        by_kind[a.kind] = by_kind.get(a.kind, 0) + 1
    edges = [e for e in build_edges([], found, {}) if e.kind == "attributed"]
    credited = {(a.source, a.doc): a for a in found if a.kind in CREDIT_KINDS}
    edge_kinds: dict[str, int] = {}
    for e in edges:
        kind = credited[(e.source, e.target)].kind
        edge_kinds[kind] = edge_kinds.get(kind, 0) + 1
    rng = random.Random(13)
    sample = [credited[(e.source, e.target)] for e in rng.sample(edges, min(20, len(edges)))]
    print(f"\ncredits on all {len(docs):,} Reuters stories ({seconds:.1f} s): "
          f"{len(found):,} attributions {by_kind}; {len(edges):,} named-source edges "
          f"{edge_kinds}")
    print(tabulate([(a.doc, a.source, a.kind, a.cue, " ".join(a.text.split())[:90])
                    for a in sample], headers=("doc", "source", "kind", "cue", "sentence")))
    return {"documents": len(docs), "attributions": by_kind, "named_source_edges": len(edges),
            "edges_by_kind": edge_kinds,
            "sample": [{"doc": a.doc, "source": a.source, "kind": a.kind, "cue": a.cue,
                        "text": " ".join(a.text.split())} for a in sample]}


def clough(data: Path) -> dict:
    rows = []
    for row, answer, source in answers_with_sources(data):
        found = align(answer, source, PASSAGES)
        rows.append((row["file"], row["category"], len(found),
                     max((p.score for p in found), default=0.0)))
    derived = [r for r in rows if r[1] != "non"]
    independent = [r for r in rows if r[1] == "non"]
    d_yes = sum(1 for r in derived if r[2])
    i_yes = sum(1 for r in independent if r[2])
    print(f"\nClough A/B at the operating point {_point()}: independent answers sharing a "
          f"passage {i_yes} of {len(independent)} (goal 0); derived {d_yes} of {len(derived)} "
          "(goal >= 19)")
    missed = [r[0] for r in derived if not r[2]]
    if missed:
        print(f"derived answers with no passage: {', '.join(missed)}")
    return {"independent_sharing": i_yes, "independent": len(independent),
            "derived_sharing": d_yes, "derived": len(derived), "derived_missed": missed,
            "answers": [{"file": f, "category": c, "passages": n, "best_score": round(s, 4)}
                        for f, c, n, s in rows]}


def webis(data: Path) -> dict:
    path = data / "webis_cpc11_sample" / "Webis-CPC-11_1000_sample.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    counts = {True: [0, 0], False: [0, 0]}
    for r in rows:
        src = " ".join(s["text"] for s in r["original"])
        out = " ".join(s["text"] for s in r["paraphrase"])
        accepted = r["is_paraphrased"] == "Yes"
        counts[accepted][1] += 1
        counts[accepted][0] += bool(align(Document("derived", out), Document("source", src),
                                                  PASSAGES))
    acc, rej = counts[True], counts[False]
    print(f"\nWebis-CPC-11 sample at the operating point: accepted paraphrases sharing a passage "
          f"{acc[0]} of {acc[1]} ({acc[0] / max(1, acc[1]):.1%}); rejected ones "
          f"{rej[0]} of {rej[1]} ({rej[0] / max(1, rej[1]):.1%})")
    return {"accepted_sharing": acc[0], "accepted": acc[1], "rejected_sharing": rej[0],
            "rejected": rej[1]}


def _msrp_rows(data: Path, split: str) -> list[tuple[int, str, str]]:
    rows = []
    with open(data / "msrp" / f"msr_paraphrase_{split}.txt", encoding="utf-8-sig") as f:
        next(f)
        for line in f:
            quality, _, _, a, b = line.rstrip("\n").split("\t")
            rows.append((int(quality), a, b))
    return rows


def _f1(labels, predicted) -> float:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def msrp(data: Path) -> dict:
    def score(a: str, b: str) -> float:
        found = align(Document("a", a), Document("b", b),
                      PassageOptions(threshold=1e-9, decision=0))
        return max((p.score for p in found), default=0.0)

    train, test = _msrp_rows(data, "train"), _msrp_rows(data, "test")
    train_scores = [score(a, b) for _, a, b in train]
    best_t, best_f1 = 0.0, -1.0
    labels = [y for y, _, _ in train]
    for t in sorted(set(round(s, 3) for s in train_scores)):
        f1 = _f1(labels, [s >= t for s in train_scores])
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    test_labels = [y for y, _, _ in test]
    test_scores = [score(a, b) for _, a, b in test]
    sentence_f1 = _f1(test_labels, [s >= best_t for s in test_scores])
    passage_f1 = _f1(test_labels, [bool(align(Document("a", a), Document("b", b), PASSAGES))
                                   for _, a, b in test])
    print(f"\nMSRP test ({len(test)} pairs): sentence-paraphrase score at {best_t:.3f} (chosen "
          f"on train) F1 {sentence_f1:.4f} (goal >= 0.82); the passage operating point "
          f"{_point()} on the same pairs F1 {passage_f1:.4f}")
    return {"sentence_threshold": best_t, "sentence_f1": round(sentence_f1, 4),
            "passage_operating_point_f1": round(passage_f1, 4)}


def _point() -> str:
    o = PASSAGES
    return (f"(score >= {o.decision}, or a shared quotation, two same figures, or >= "
            f"{o.long_words} words; sentences match at {o.threshold}"
            + (f"; a lone rewritten sentence at {o.lone_decision}" if o.lone_decision else "")
            + ")")


SECTIONS = {"reuters": reuters, "index": index, "credits": credits, "clough": clough,
            "webis": webis, "msrp": msrp}


def _lone(value: str) -> float | None:
    """``--lone-decision``: a score, or ``off``."""
    return None if value.strip().lower() in ("off", "none") else float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--out", type=Path, default=RESULTS / "noise.json")
    parser.add_argument("--lone-decision", type=_lone, default=PassageOptions().lone_decision,
                        help="PassageOptions.lone_decision for every section, or 'off' "
                             "(default: the library's)")
    args = parser.parse_args(argv)
    global PASSAGES
    PASSAGES = PassageOptions(lone_decision=args.lone_decision)
    if not args.data.is_dir():
        print(f"skipped: no datasets at {args.data} (pass --data)")
        return 0
    # sections not run this time are kept from the last run that had them (--only)
    kept = kept_sections(args.out, SECTIONS, args.only.split(","))
    report: dict = {**kept, "benchmark": "noise", "operating_point": {
        "decision": PASSAGES.decision, "long_words": PASSAGES.long_words,
        "lone_decision": PASSAGES.lone_decision,
        "sentence_threshold": PassageOptions().threshold}}
    for name in args.only.split(","):
        report[name] = SECTIONS[name](args.data)
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
