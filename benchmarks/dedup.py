"""Dedup benchmark: decision quality against exact Jaccard, and end-to-end speed.

    python -m benchmarks.dedup [--only reuters,e2e] [--docs 50000] [--data ../shared/datasets]

**reuters** -- every Reuters-21578 story with text, read as ``provenance dedup`` reads it. The
truth is every pair whose exact Jaccard over the stories' sets of 64-bit word-5-gram hashes
(the values the signatures are MinHashes of) is at least 0.8, found by prefix filtering
(``dedup.exact_pairs``, no pair missed). Against it, the near-duplicate pairs ``dedup`` decides
on: exact checks of LSH candidates (the default) and the MinHash estimate alone
(``exact=False``); precision and recall with their counts, and for several bandings. Then
the decisions themselves: every dropped story's exact Jaccard to its representative.

**e2e** -- ``--docs`` synthetic 600-word documents (Zipf words over a 50,000-word vocabulary,
a tenth of them copies of another with 6 words changed) written as one JSONL file, then
``dedup(iter_read(file))`` end to end in this process (reading, JSON parsing, signing, pairs,
exact checks, decisions), against datasketch signing the same documents read the same way:
``MinHash.update`` once per shingle on a subset and ``MinHash.bulk`` with an xxhash hashfunc;
all in one run, ratios of documents/s. Also ``provenance dedup FILE -o /dev/null`` in a new
process (start-up and writing the decisions included), best of two runs as the library road, with
the peak RSS of its largest process and the peak PSS of its processes together (it reads in a
second process), both sampled from ``/proc``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tabulate import tabulate

from benchmarks._results import RESULTS, kept_sections, write

ROOT = Path(__file__).resolve().parent.parent
N, NUM_PERM, THRESHOLD = 5, 128, 0.8


def _reuters_path(data: Path) -> Path:
    return data / "reuters21578" / "reuters21578.jsonl.gz"


def reuters(data: Path) -> dict | None:
    from provenance.dedup import DedupOptions, dedup, exact_pairs, near_duplicates
    from provenance.read import iter_read
    from provenance.signatures import prepare, set_jaccard, shingle_sets, sign_packed
    from provenance.signatures.text_bytes import pack

    source = _reuters_path(data)
    if not source.is_file():
        print(f"reuters: {source} not found; pass --data (skipped)")
        return None
    docs = [d for d in iter_read([str(source)]) if not hasattr(d, "reason")]
    buf, offsets = pack([prepare(d.text) for d in docs])
    sigs, counts = sign_packed(buf, offsets, N, NUM_PERM, 1, "numba")
    hashes, starts, sizes = shingle_sets(buf, offsets[:-1], offsets[1:], N, "numba",
                                         bounds=counts)
    t = time.perf_counter()
    truth_pairs, truth_sims = exact_pairs(hashes, starts, sizes, THRESHOLD, engine="numba")
    truth_s = time.perf_counter() - t
    truth = {tuple(p) for p in truth_pairs.tolist()}

    def verify(i, j):
        return set_jaccard(hashes, starts, sizes, i, j, "numba")

    def exact_of(pairs):
        if not len(pairs):
            return np.zeros(0)
        return verify(pairs[:, 0], pairs[:, 1])

    rows = []

    def score(name, bands, use_verify):
        t = time.perf_counter()
        found, _, candidates = near_duplicates(sigs, THRESHOLD, verify=verify if use_verify
                                               else None, bands=bands)
        seconds = time.perf_counter() - t
        got = {tuple(p) for p in found.tolist()}
        true_pos = len(got & truth)
        false_pos = sorted(exact_of(np.array(sorted(got - truth)).reshape(-1, 2)).tolist())
        missed = sorted(exact_of(np.array(sorted(truth - got)).reshape(-1, 2)).tolist())
        rows.append({
            "road": name, "bands": f"{bands[0]} x {bands[1]}" if bands else "", "exact":
            use_verify, "candidates": candidates, "pairs": len(got), "true_pairs": len(truth),
            "true_positives": true_pos, "false_positives": len(false_pos),
            "missed": len(missed),
            "precision": round(true_pos / len(got), 4) if got else 1.0,
            "recall": round(true_pos / len(truth), 4) if truth else 1.0,
            "false_positive_exact": [round(x, 3) for x in false_pos[:20]],
            "missed_exact": [round(x, 3) for x in missed[:40]],
            "seconds": round(seconds, 3)})

    from provenance.dedup import lsh_bands

    score("exact checks (default)", lsh_bands(THRESHOLD, NUM_PERM, True), True)
    score("estimate only (--estimate)", lsh_bands(THRESHOLD, NUM_PERM, False), False)
    for bands in [(14, 9), (21, 6), (32, 4), (42, 3)]:
        score("exact checks", bands, True)

    # the decisions of the real road: every dropped story against its representative
    result = dedup(iter(docs), DedupOptions(threshold=THRESHOLD))
    index = {d.id: k for k, d in enumerate(docs)}
    dropped = [d for d in result.decisions if not d.keep]
    left = np.array([index[d.id] for d in dropped], dtype=np.int64)
    right = np.array([index[d.cluster] for d in dropped], dtype=np.int64)
    sims = verify(left, right) if len(left) else np.zeros(0)
    cluster = {index[d.id]: index[d.cluster] for d in result.decisions}
    near = {index[d.id]: {index[c] for c in d.near_clusters} for d in result.decisions}
    unreported = sum(1 for a, b in truth if cluster[a] != cluster[b]
                     and cluster[b] not in near[a] and cluster[a] not in near[b])
    decisions = {
        "stories": len(docs), "dropped": len(dropped), "groups": result.clusters,
        "dropped_below_threshold": int((sims < THRESHOLD).sum()),
        "reported_equals_exact": bool(np.allclose([d.similarity for d in dropped],
                                                  np.round(sims, 4), atol=1e-4)),
        "true_pairs_neither_clustered_nor_near": unreported,
        "timings": {k: round(v, 3) for k, v in result.timings.items()}}
    print(f"\nReuters-21578: {len(docs):,} stories, {len(truth):,} pairs at exact Jaccard >= "
          f"{THRESHOLD} (prefix filtering, {truth_s:.1f} s)")
    print(tabulate([(r["road"], r["bands"], r["candidates"], r["pairs"], r["true_positives"],
                     r["false_positives"], r["missed"], r["precision"], r["recall"])
                    for r in rows],
                   headers=("road", "bands x rows", "candidates", "pairs", "true pos.",
                            "false pos.", "missed", "precision", "recall"), intfmt=","))
    print(f"decisions: {decisions['dropped']} dropped into {decisions['groups']} groups; "
          f"{decisions['dropped_below_threshold']} dropped below exact {THRESHOLD} of their "
          f"representative; {unreported} true pairs neither in one group nor named in "
          "near_clusters")
    return {"stories": len(docs), "true_pairs": len(truth), "truth_seconds": round(truth_s, 2),
            "roads": rows, "decisions": decisions}


def write_jsonl(path: Path, docs: int) -> int:
    """``docs`` synthetic 600-word documents as JSONL (the generator of ``benchmarks.scale``);
    returns the file's size."""
    from benchmarks.scale import BATCH, Generator

    gen = Generator(seed=0)
    with open(path, "w", encoding="utf-8") as f:
        for start in range(0, docs, BATCH):
            count = min(BATCH, docs - start)
            buf, offsets = gen.batch(count)
            raw = buf.tobytes()
            f.writelines(json.dumps({"id": f"d{start + k}", "text": raw[offsets[k] :
                                     offsets[k + 1]].decode("ascii").strip()}) + "\n"
                         for k in range(count))
    return path.stat().st_size


def _tree_memory(pid: int, hwm: dict[int, int]) -> int:
    """Proportional set size (kB) of process ``pid`` and its descendants now -- shared pages (a
    forked child's copy-on-write pages) counted once, split between the sharers --; records
    each process's peak RSS so far (``VmHWM``, kB) in ``hwm``."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm[p] = max(hwm.get(p, 0), int(line.split()[1]))
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, StopIteration):
            continue
    return total


def run_cli(path: Path) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """``provenance dedup FILE -o /dev/null`` in a new process: its wall seconds, the peak RSS
    (MiB) of its largest process (``VmHWM``, what ``/usr/bin/time`` reports) and the peak PSS
    (MiB) of all its processes together, both sampled every 0.1 s from ``/proc``."""
    import threading

    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "provenance_cli.main", "dedup", str(path),
                             "-o", os.devnull], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak, hwm = [0], {}

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_memory(proc.pid, hwm))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    sampler.join()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
    return seconds, max(hwm.values(), default=0) / 1024, peak[0] / 1024, \
        subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def end_to_end(docs: int) -> dict:
    import xxhash
    from datasketch import MinHash

    from benchmarks.core import shingle_bytes, word_lists
    from provenance.dedup import dedup
    from provenance.read import iter_read
    from provenance.signatures import warm_up

    folder = Path(tempfile.mkdtemp(prefix="provenance-bench-"))
    path = folder / "docs.jsonl"
    try:
        size = write_jsonl(path, docs)
        warm_up("dedup")  # load the compiled kernels (the CLI's start-up loads them too)
        texts = [d.text for d in iter_read([str(path)]) if not hasattr(d, "reason")][:2000]
        load = os.getloadavg()

        def ours() -> tuple[float, object]:
            t = time.perf_counter()
            result = dedup(iter_read([str(path)]))
            return time.perf_counter() - t, result

        def ds_update(batch) -> float:
            t = time.perf_counter()
            for w in word_lists(batch):
                m = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
                for sh in shingle_bytes(w):
                    m.update(sh)
            return time.perf_counter() - t

        def ds_bulk(batch) -> float:
            t = time.perf_counter()
            MinHash.bulk([shingle_bytes(w) for w in word_lists(batch)], num_perm=NUM_PERM,
                         seed=1, scheme="affine32", hashfunc=xxhash.xxh32_intdigest)
            return time.perf_counter() - t

        ours_s, result = ours()
        update_s = ds_update(texts[:300])
        bulk_s = ds_bulk(texts)
        ours_again, again = ours()
        if ours_again < ours_s:
            ours_s, result = ours_again, again
        cli_runs = [run_cli(path), run_cli(path)]  # best of two, as the library road
        cli_s, cli_peak, cli_tree, cli = min(cli_runs, key=lambda r: r[0])
        rate = {"ours_library": docs / ours_s, "ours_cli": docs / cli_s,
                "datasketch_update": 300 / update_s, "datasketch_bulk_xxhash": len(texts) / bulk_s}
        out = {
            "documents": docs, "file_mb": round(size / 1e6, 1), "load_during": load,
            "ours_library_s": round(ours_s, 2), "ours_cli_s": round(cli_s, 2),
            "cli_peak_rss_mib": round(cli_peak), "cli_tree_peak_pss_mib": round(cli_tree),
            "cli_runs_s": [round(r[0], 2) for r in cli_runs],
            "cli_summary": cli.stderr.strip().splitlines()[-1] if cli.stderr.strip() else "",
            "timings": {k: round(v, 3) for k, v in result.timings.items()},
            "dropped": len(result.decisions) - result.kept, "candidates": result.candidates,
            "docs_per_s": {k: round(v, 1) for k, v in rate.items()},
            "library_vs_update": round(rate["ours_library"] / rate["datasketch_update"], 1),
            "library_vs_bulk_xxhash": round(rate["ours_library"]
                                            / rate["datasketch_bulk_xxhash"], 1),
            "cli_vs_update": round(rate["ours_cli"] / rate["datasketch_update"], 1),
            "cli_vs_bulk_xxhash": round(rate["ours_cli"] / rate["datasketch_bulk_xxhash"], 1),
        }
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
    print(f"\nEnd to end, {docs:,} synthetic 600-word documents in one JSONL file "
          f"({out['file_mb']} MB), load {load[0]:.1f}:")
    print(tabulate([
        ("ours: dedup(iter_read(file)), this process", out["docs_per_s"]["ours_library"],
         f"{out['library_vs_update']}x", f"{out['library_vs_bulk_xxhash']}x"),
        ("ours: provenance dedup FILE -o /dev/null, new process", out["docs_per_s"]["ours_cli"],
         f"{out['cli_vs_update']}x", f"{out['cli_vs_bulk_xxhash']}x"),
        ("datasketch MinHash.update per shingle (300 docs, from text)",
         out["docs_per_s"]["datasketch_update"], "1.0x", ""),
        ("datasketch MinHash.bulk, xxh32 hashfunc (2,000 docs, from text)",
         out["docs_per_s"]["datasketch_bulk_xxhash"], "", "1.0x")],
        headers=("path", "docs/s", "vs update", "vs bulk xxhash"), floatfmt=",.0f"))
    print("dedup phases (s): " + ", ".join(f"{k} {v}" for k, v in out["timings"].items())
          + f"; the CLI: runs {out['cli_runs_s']} s, peak RSS {out['cli_peak_rss_mib']} MiB "
          f"(its largest process), {out['cli_tree_peak_pss_mib']} MiB PSS of its processes "
          "together (sampled every 0.1 s)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="reuters,e2e")
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path, default=RESULTS / "dedup.json")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    sections = {"reuters": "reuters", "e2e": "end_to_end"}
    report: dict = {**kept_sections(args.out, sections.values(),
                                    [sections.get(p, p) for p in parts]),
                    "benchmark": "dedup", "threshold": THRESHOLD, "num_perm": NUM_PERM,
                    "shingle": f"word:{N}", "load_before": os.getloadavg()}
    if "reuters" in parts:
        report["reuters"] = reuters(args.data)
    if "e2e" in parts:
        report["end_to_end"] = end_to_end(args.docs)
    report["load_after"] = os.getloadavg()
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
