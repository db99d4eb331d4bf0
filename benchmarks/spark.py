"""The Spark engine against Spark MLlib, and against the local engine (issue 16).

    python -m benchmarks.spark [--data ../shared/datasets] [--synthetic 1000000]
                               [--no-passages] [--master local[2]]
                               [--mllib-timeout SECONDS] [--work DIR]
    python -m benchmarks.spark --families-only [--data ../shared/datasets]

1. **dedup vs MLlib** on all of Reuters-21578 and on ``--synthetic`` synthetic 600-word
   documents (``benchmarks.scale``'s generator: a tenth of them copies of another with 6 words
   changed): our ``provenance.spark.dedup`` (exact verification) against MLlib's
   ``MinHashLSH`` (``--hash-tables`` tables) + ``approxSimilarityJoin`` at the same threshold
   (Jaccard 0.8, distance 0.2), on the same rows (read by the same reader), each in a process
   of its own, timed from process start (Spark's start-up included) to its pairs written.
   MLlib's features are the usual pipeline: ``RegexTokenizer`` (our word rule, ``(?U)``)
   -> ``NGram(5)`` -> ``HashingTF(2**26, binary)``. Both tools' pairs are scored against the
   exact truth: every pair whose word-5-gram shingle sets (ours, exact) have Jaccard >= 0.8,
   found by an exact prefix-filter join. ``speedup_vs_mllib`` = MLlib's seconds / ours. With
   ``--mllib-timeout`` MLlib is stopped after that many seconds and the result says so:
   ``speedup_vs_mllib_at_least`` = the limit / ours, a lower bound (no precision or recall for
   MLlib then). The load averages before and after each run are recorded (the machine may be
   shared: compare the two tools within one run).
2. **passages vs local** on all of Reuters (``--limit N``: its first N stories): ``scan``'s road
   on Spark (``provenance.spark.templates.scan_passages``: pairs, near-duplicate groups, the
   templates learned from them, passages with the templates and the whole copies) on
   ``local[1]`` and ``local[2]`` (each its own process, from process start) against ``scan``
   (``analyze``, LSH pairs at any size as on Spark: ``matrix_limit=0``) in this process; the
   passages must be identical, value for value.
3. **families vs local** on all of Reuters (``--families-only``; ``--no-families`` leaves it
   out; ``--limit`` as above): ``provenance.spark.families`` on ``--master`` in its own process
   -- ``scan``'s passages found and written first, then the families built from them and
   written, each step timed -- against ``scan``'s families in this process; the families (count
   and content, value for value) and the outlet flows must be identical.

Peak memory is the largest resident set of the whole process tree at once (driver JVM, which in
local mode is the executor, plus its Python workers), sampled every 0.2 s from /proc.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from tabulate import tabulate

from benchmarks._results import RESULTS, kept_sections, write

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 0.8


# --- measuring a child process -----------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants now (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class TimedOut(RuntimeError):
    """A child ran past its time limit and was stopped."""


def run_child(args: list[str], limit: float | None = None) -> dict:
    """Run ``python -m benchmarks.spark --child ...``; its JSON line, wall seconds from process
    start, and the peak RSS of its process tree. Past ``limit`` seconds the child's process
    group (it, its JVM and the JVM's Python workers) is stopped and :class:`TimedOut` raised."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.spark", "--child", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        done.set()
        sampler.join()
        raise TimedOut(f"stopped after {limit:.0f} s, peak {peak / 2**20:.0f} MiB") from None
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[:2]} failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "seconds": round(seconds, 2), "peak_rss_mib": round(peak / 2**20)}


# --- the children ------------------------------------------------------------------------------


def child_ours(source: str, out: str, master: str) -> dict:
    from provenance.options import DedupOptions
    from provenance.spark import dedup, read_input, session

    spark = session(master, "bench ours")
    inputs = read_input(spark, source)
    frames = dedup(inputs, DedupOptions(threshold=THRESHOLD), verify="exact")
    frames.decisions.write.mode("overwrite").parquet(f"{out}/decisions")
    frames.pairs.write.mode("overwrite").parquet(f"{out}/pairs")
    return {"documents": spark.read.parquet(f"{out}/decisions").count()}


def child_mllib(source: str, out: str, master: str, tables: int) -> dict:
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import HashingTF, MinHashLSH, NGram, RegexTokenizer
    from pyspark.sql import functions as F

    from provenance.spark import read_input, session

    spark = session(master, "bench mllib")
    docs = read_input(spark, source).documents.select("id", "text")
    features = Pipeline(stages=[
        RegexTokenizer(inputCol="text", outputCol="words", pattern=r"(?U)\w+(?:'\w+)*",
                       gaps=False, toLowercase=True),
        NGram(n=5, inputCol="words", outputCol="grams"),
        HashingTF(inputCol="grams", outputCol="features", numFeatures=1 << 26, binary=True),
    ]).fit(docs).transform(docs).where(F.size("grams") > 0).select("id", "features")
    model = MinHashLSH(inputCol="features", outputCol="hashes", numHashTables=tables,
                       seed=1).fit(features)
    joined = model.approxSimilarityJoin(features, features, 1 - THRESHOLD, distCol="distance")
    found = joined.where(F.col("datasetA.id") < F.col("datasetB.id")).select(
        F.col("datasetA.id").alias("a"), F.col("datasetB.id").alias("b"),
        (1 - F.col("distance")).alias("similarity"))
    found.write.mode("overwrite").parquet(f"{out}/pairs")
    return {"documents": features.count()}


def _scan_config():
    """``scan``'s options with its LSH pairs at any size (``matrix_limit=0``), as on Spark
    (below ``matrix_limit`` documents ``scan`` compares every pair exactly)."""
    from provenance.options import ScanOptions

    return ScanOptions(matrix_limit=0)


def child_passages(source: str, out: str, master: str) -> dict:
    from provenance.spark import read_input, session
    from provenance.spark.templates import scan_passages

    spark = session(master, "bench passages")
    found = scan_passages(read_input(spark, source), _scan_config())
    frames = found.frames
    frames.passages.write.mode("overwrite").parquet(f"{out}/passages")
    return {"units": frames.units, "candidates": frames.candidates,
            "templates": len(found.templates)}


def child_families(source: str, out: str, master: str) -> dict:
    from provenance.spark import families, read_input, session
    from provenance.spark.templates import scan_passages

    spark = session(master, "bench families")
    inputs = read_input(spark, source)
    start = time.perf_counter()
    scan_passages(inputs, _scan_config()).frames.passages.write.mode("overwrite").parquet(
        f"{out}/passages")
    passages_s = time.perf_counter() - start
    start = time.perf_counter()
    frames = families(inputs, _scan_config(), passages=spark.read.parquet(f"{out}/passages"))
    frames.families.write.mode("overwrite").parquet(f"{out}/families")
    frames.outlet_flows.write.mode("overwrite").parquet(f"{out}/outlet_flows")
    return {"passages_seconds": round(passages_s, 2),
            "families_seconds": round(time.perf_counter() - start, 2)}


# --- truth and scores --------------------------------------------------------------------------


def exact_pairs(hashes: np.ndarray, offsets: np.ndarray, sizes: np.ndarray,
                threshold: float, chunk: int = 50_000) -> np.ndarray:
    """Every pair ``(i, j)`` of sets (flat, as from ``signatures.shingle_sets``: set d is
    ``hashes[offsets[d]:offsets[d] + sizes[d]]``) with exact Jaccard >= threshold, by prefix
    filtering: with the elements of every set in one global order, two sets that close share
    an element among each one's first ``size - ceil(t * size) + 1``. Any global order finds
    every pair; rarest first keeps the prefixes' collisions few (smallest value first let a
    common 5-gram pair up the prefixes of a million documents, past 24 GB). Rarity is counted
    on every 10th set (an element unseen there counts as rarest; ties go by value: still one
    order); the prefixes are taken ``chunk`` sets at a time, so memory is the sets, their
    prefixes and the candidates. Unlike ``dedup.exact_pairs`` it never sorts all the values
    at once (a million 600-word documents hold 600 million)."""
    from provenance.signatures import set_jaccard
    from provenance.similarity.candidates import colliding_pairs

    n = len(sizes)
    sizes = np.asarray(sizes, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    picked = np.arange(0, n, 10)
    sample = (np.concatenate([hashes[o:o + z] for o, z in zip(offsets[picked].tolist(),
                                                              sizes[picked].tolist(),
                                                              strict=True)])
              if n else np.empty(0, np.uint64))
    seen, counts = np.unique(sample, return_counts=True)
    del sample
    need = sizes - np.ceil(threshold * sizes - 1e-9).astype(np.int64) + 1
    keys, owners = [], []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        docs = np.repeat(np.arange(lo, hi), sizes[lo:hi])
        start, end = offsets[lo], offsets[hi - 1] + sizes[hi - 1]
        values = hashes[start:end]
        if len(seen):
            at = np.minimum(np.searchsorted(seen, values), len(seen) - 1)
            freq = np.where(seen[at] == values, counts[at], 0)
        else:
            freq = np.zeros(len(values), dtype=np.int64)
        order = np.lexsort((values, freq, docs))
        first = np.zeros(hi - lo + 1, dtype=np.int64)
        np.cumsum(sizes[lo:hi], out=first[1:])
        position = np.arange(len(values)) - first[docs - lo]
        keep = order[position < need[docs]]  # order keeps each document's values together
        keys.append(values[keep])
        owners.append(docs[keep])
    if not keys or not sum(len(k) for k in keys):
        return np.empty((0, 2), dtype=np.int64)
    found = colliding_pairs(np.concatenate(keys), np.concatenate(owners), max(1, n))
    del keys, owners
    if not len(found):
        return np.empty((0, 2), dtype=np.int64)
    sims = set_jaccard(hashes, offsets, sizes, found[:, 0], found[:, 1], "numba")
    return found[sims >= threshold]


def _pairs(path: str) -> set[tuple[str, str]]:
    import pyarrow.parquet as pq

    t = pq.read_table(path, columns=["a", "b"]).to_pydict()
    return {(min(a, b), max(a, b)) for a, b in zip(t["a"], t["b"], strict=True)}


def score(found: set, truth: set) -> dict:
    hit = len(found & truth)
    return {"pairs": len(found), "true_pairs": hit,
            "precision": round(hit / len(found), 4) if found else 1.0,
            "recall": round(hit / len(truth), 4) if truth else 1.0}


def truth_of(source: str) -> set[tuple[str, str]]:
    """The exact pairs of a JSONL file, read by the local reader (the same rows both tools
    get), over the sets the signatures are MinHashes of, kept flat (one array of hashes)."""
    from provenance.documents import Document
    from provenance.read.files import iter_read
    from provenance.signatures import prepare, shingle_sets
    from provenance.signatures.text_bytes import pack

    ids: list[str] = []
    parts: list[np.ndarray] = []
    all_sizes: list[np.ndarray] = []
    chunk: list[bytes] = []

    def flush() -> None:
        if not chunk:
            return
        buf, offsets = pack(chunk)
        hashes, starts, sizes = shingle_sets(buf, offsets[:-1], offsets[1:], 5, "numba")
        # the kernel's output may have room between the sets: keep the sets alone
        parts.append(np.concatenate([hashes[s:s + z] for s, z in
                                     zip(starts.tolist(), sizes.tolist(), strict=True)]))
        all_sizes.append(np.asarray(sizes, dtype=np.int64))
        chunk.clear()

    for item in iter_read(source):
        if isinstance(item, Document):
            ids.append(item.id)
            chunk.append(prepare(item.text))
            if len(chunk) == 20_000:
                flush()
    flush()
    if not ids:
        return set()
    sizes = np.concatenate(all_sizes)
    hashes = np.concatenate(parts)
    parts.clear()
    offsets = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=offsets[1:])
    found = exact_pairs(hashes, offsets, sizes, THRESHOLD)
    return {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in found.tolist()}


def dedup_vs_mllib(name: str, source: str, work: Path, master: str, tables: int,
                   mllib_limit: float | None = None) -> dict:
    print(f"\n{name}: truth (exact Jaccard >= {THRESHOLD}) ...", flush=True)
    t = time.perf_counter()
    truth = truth_of(source)
    print(f"  {len(truth):,} true pairs ({time.perf_counter() - t:.1f} s)", flush=True)
    before = _load()
    print(f"  load before ours: {before}", flush=True)
    ours = run_child(["ours", source, str(work / "ours"), master])
    ours.update(load_before=before, load_after=_load())
    print(f"  ours:  {ours['seconds']} s, peak {ours['peak_rss_mib']} MiB (load after: "
          f"{_load()})", flush=True)
    ours.update(score(_pairs(str(work / "ours" / "pairs")), truth))
    shutil.rmtree(work / "ours", ignore_errors=True)
    base = {"data": name, "master": master, "threshold": THRESHOLD, "true_pairs": len(truth),
            "ours": ours}
    try:
        before = _load()
        mllib = run_child(["mllib", source, str(work / "mllib"), master, str(tables)],
                          mllib_limit)
        mllib.update(load_before=before, load_after=_load())
    except TimedOut as exc:  # a lower bound on the speed-up, said as such
        print(f"  MLlib: did not finish, {exc} (load: {_load()})", flush=True)
        return {**base, "mllib": {"hash_tables": tables, "finished": False,
                                  "stopped_after_seconds": mllib_limit, "note": str(exc)},
                "speedup_vs_mllib": None,
                "speedup_vs_mllib_at_least": round(mllib_limit / ours["seconds"], 2)}
    except RuntimeError as exc:  # say so in the results rather than lose ours
        print(f"  MLlib failed: {exc}", flush=True)
        return {**base, "mllib": {"error": str(exc)[-2000:]}, "speedup_vs_mllib": None}
    print(f"  MLlib: {mllib['seconds']} s, peak {mllib['peak_rss_mib']} MiB (load after: "
          f"{_load()})", flush=True)
    mllib.update(score(_pairs(str(work / "mllib" / "pairs")), truth))
    shutil.rmtree(work / "mllib", ignore_errors=True)
    return {**base, "mllib": {**mllib, "hash_tables": tables},
            "speedup_vs_mllib": round(mllib["seconds"] / ours["seconds"], 2)}


def _load() -> str:
    """The 1, 5 and 15 minute load averages (other people's jobs share the machine)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def synthetic_jsonl(size: int, path: Path) -> None:
    """``size`` synthetic 600-word documents as JSONL (``benchmarks.scale``'s generator)."""
    from benchmarks.scale import Generator

    gen = Generator()
    with gzip.open(path, "wt", compresslevel=1) as f:
        for start in range(0, size, 10_000):
            count = min(10_000, size - start)
            buf, offsets = gen.batch(count)
            data = buf.tobytes()
            for k in range(count):
                text = data[offsets[k]:offsets[k + 1]].decode("ascii")
                f.write(json.dumps({"id": f"s{start + k:07d}", "text": text}) + "\n")


def local_scan(source: str):
    """``scan`` (``analyze``) on the documents of ``source``, with ``_scan_config()``: the
    passages it finds with the templates it learns (and its whole copies), its families and
    outlet flows -- what the Spark road (``spark.templates.scan_passages``, then
    ``spark.families``) equals, site clutter and collapsed near-duplicate clusters included.
    Reading excluded from its timings."""
    from provenance.documents import Document
    from provenance.read.files import iter_read
    from provenance.scan import analyze

    docs = sorted((d for d in iter_read(source) if isinstance(d, Document)), key=lambda d: d.id)
    return analyze(docs, _scan_config())


def passages_vs_local(source: str, work: Path, data: str = "reuters21578") -> dict:
    import pyarrow.parquet as pq

    runs = {}
    for master in ("local[1]", "local[2]"):
        out = work / f"passages-{master[6]}"
        before = _load()
        runs[master] = run_child(["passages", source, str(out), master])
        runs[master].update(load_before=before, load_after=_load())
        print(f"  Spark passages on {master}: {runs[master]['seconds']} s, peak "
              f"{runs[master]['peak_rss_mib']} MiB", flush=True)
    before = _load()
    analysis = local_scan(source)
    local = [p.to_dict() for p in analysis.passages]
    local_s = analysis.timings["templates"] + analysis.timings["passages"]
    print(f"  local scan: templates and passages {local_s:.1f} s, all phases "
          f"{sum(analysis.timings.values()):.1f} s (this process, reading excluded; load "
          f"{before} -> {_load()})", flush=True)
    identical = {}
    for master in runs:
        rows = pq.read_table(work / f"passages-{master[6]}" / "passages").to_pylist()
        rows = sorted(({**r, "score": round(r["score"], 6)} for r in rows),
                      key=lambda p: (p["a"], p["b"], p["a_start"], p["b_start"]))
        identical[master] = rows == local
    return {"data": data, "documents": len(analysis.documents), "passages": len(local),
            "templates": len(analysis.templates),
            "template_passages_set_aside": analysis.template_passages,
            "local_seconds": round(local_s, 2),
            "local_all_phases_seconds": round(sum(analysis.timings.values()), 2),
            "spark": runs, "identical": identical}


def families_vs_local(source: str, work: Path, master: str, data: str = "reuters21578") -> dict:
    import pyarrow.parquet as pq

    out = work / "families"
    before = _load()
    run = run_child(["families", source, str(out), master])
    run.update(load_before=before, load_after=_load())
    print(f"  Spark on {master}: {run['seconds']} s from process start (passages "
          f"{run['passages_seconds']} s, then families {run['families_seconds']} s), peak "
          f"{run['peak_rss_mib']} MiB", flush=True)
    before = _load()
    analysis = local_scan(source)
    families = [f.to_dict() for f in analysis.families]
    flows = [f.to_dict() for f in analysis.outlet_flows]
    passages_s = analysis.timings["templates"] + analysis.timings["passages"]
    families_s = analysis.timings["families"]
    print(f"  local scan: templates and passages {passages_s:.1f} s, families {families_s:.1f} s"
          f" (this process, reading excluded; load {before} -> {_load()})", flush=True)
    ours = sorted(pq.read_table(out / "families").to_pylist(), key=lambda f: int(f["id"][1:]))
    ours_flows = pq.read_table(out / "outlet_flows").to_pylist()
    return {"data": data, "families": len(families), "outlet_flows": len(flows),
            "members": sum(f["size"] for f in families),
            "largest": max((f["size"] for f in families), default=0),
            "local_passages_seconds": round(passages_s, 2),
            "local_families_seconds": round(families_s, 2), "spark": {master: run},
            "identical": {"families": ours == families, "count": len(ours) == len(families),
                          "outlet_flows": ours_flows == flows}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--synthetic", type=int, default=1_000_000,
                        help="synthetic documents (0: none)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--hash-tables", type=int, default=5)
    parser.add_argument("--no-passages", action="store_true")
    parser.add_argument("--no-reuters", action="store_true")
    parser.add_argument("--passages-only", action="store_true",
                        help="only the passages on Reuters; keeps the dedup results already "
                             "in --out")
    parser.add_argument("--families-only", action="store_true",
                        help="only the families on Reuters; keeps the other results already "
                             "in --out")
    parser.add_argument("--no-families", action="store_true")
    parser.add_argument("--limit", type=int, default=None,
                        help="passages and families on the first N Reuters stories only")
    parser.add_argument("--mllib-timeout", type=float, default=None,
                        help="stop MLlib after this many seconds and report a lower bound")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the generated data and outputs (default: a temp dir)")
    parser.add_argument("--out", type=Path, default=RESULTS / "spark.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, rest = args.child[0], args.child[1:]
        result = {"ours": lambda: child_ours(*rest),
                  "mllib": lambda: child_mllib(*rest[:3], int(rest[3])),
                  "passages": lambda: child_passages(*rest),
                  "families": lambda: child_families(*rest)}[kind]()
        print(json.dumps(result))
        return 0
    from provenance.spark.session import missing

    why = missing()
    if why:
        print(f"skipped: the Spark engine cannot run here ({why})")
        return 0
    reuters = args.data / "reuters21578" / "reuters21578.jsonl.gz"
    report: dict = {"benchmark": "spark", "threshold": THRESHOLD, "datasets": {}}
    partial = args.passages_only or args.families_only
    # keep the dedup runs already measured that this run does not redo (a partial run, or
    # --no-reuters / --synthetic 0): each data set's entry is replaced only by a new run of it
    report["datasets"] = kept_sections(args.out, ["datasets"], []).get("datasets", {})
    # keep the sections this run does not redo
    redone = [s for s, skip in (("passages", args.no_passages or args.families_only),
                                ("families", args.no_families or args.passages_only))
              if not skip]
    report.update(kept_sections(args.out, ["passages", "families"], redone))
    if args.work is not None:  # made when it is not there yet
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-spark-", dir=args.work))
    try:
        if reuters.is_file() and not args.no_reuters:
            if not partial:
                report["datasets"]["reuters21578"] = dedup_vs_mllib(
                    "reuters21578", str(reuters), work / "reuters", args.master,
                    args.hash_tables, args.mllib_timeout)
                write(report, args.out)  # each part as it ends: a long run keeps what it has
            source, data = str(reuters), "reuters21578"
            if args.limit:
                (work / "reuters").mkdir(parents=True, exist_ok=True)
                source, data = str(work / "reuters" / "subset.jsonl"), \
                    f"reuters21578 (first {args.limit} lines)"
                with gzip.open(reuters, "rt", encoding="utf-8") as f, \
                        open(source, "w", encoding="utf-8") as out:
                    for _, line in zip(range(args.limit), f, strict=False):
                        out.write(line)
            if not args.no_passages and not args.families_only:
                print(f"\n{data}: passages, Spark vs local scan ...", flush=True)
                report["passages"] = passages_vs_local(source, work / "reuters", data)
                write(report, args.out)
            if not args.no_families and not args.passages_only:
                print(f"\n{data}: families, Spark vs local scan ...", flush=True)
                report["families"] = families_vs_local(source, work / "reuters", args.master,
                                                       data)
                write(report, args.out)
        elif not args.no_reuters:
            print(f"skipped Reuters: {reuters} not found (give --data)")
        if args.synthetic and not partial:
            name = f"synthetic_{args.synthetic}"
            path = work / f"{name}.jsonl.gz"
            t = time.perf_counter()
            synthetic_jsonl(args.synthetic, path)
            print(f"\n{name}: generated in {time.perf_counter() - t:.1f} s", flush=True)
            report["datasets"][name] = dedup_vs_mllib(name, str(path), work / name,
                                                      args.master, args.hash_tables,
                                                      args.mllib_timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [(name, r["true_pairs"], r["ours"]["seconds"], r["mllib"].get("seconds"),
             r["speedup_vs_mllib"] or f">= {r.get('speedup_vs_mllib_at_least')}",
             r["ours"]["precision"], r["ours"]["recall"],
             r["mllib"].get("precision"), r["mllib"].get("recall"), r["ours"]["peak_rss_mib"],
             r["mllib"].get("peak_rss_mib")) for name, r in report["datasets"].items()]
    print()
    print(tabulate(rows, headers=("data", "true pairs", "ours s", "MLlib s", "speedup",
                                  "ours P", "ours R", "MLlib P", "MLlib R", "ours MiB",
                                  "MLlib MiB"), intfmt=","))
    if "passages" in report:
        p = report["passages"]
        print(f"\npassages on Reuters: {p['passages']:,}; local {p['local_seconds']} s; "
              + "; ".join(f"{m} {r['seconds']} s, {r['peak_rss_mib']} MiB, identical "
                          f"{p['identical'][m]}" for m, r in p["spark"].items()))
    if "families" in report:
        f = report["families"]
        print(f"\nfamilies on Reuters: {f['families']:,} ({f['members']:,} members, largest "
              f"{f['largest']:,}); local {f['local_families_seconds']} s; "
              + "; ".join(f"{m} families {r['families_seconds']} s (passages "
                          f"{r['passages_seconds']} s), identical {f['identical']}"
                          for m, r in f["spark"].items()))
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
