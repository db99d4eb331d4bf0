"""Dedup at scale: time and peak memory to sign, pair and cluster 10k / 100k / 1M documents.

    python -m benchmarks.scale [--sizes 10000,100000,1000000] [--data ../shared/datasets]

Each size runs in its own process (so its peak memory is its own): synthetic 600-word documents
(Zipf-distributed words over a 50,000-word vocabulary; in every batch a tenth of the documents
are copies of another with 6 words changed -- Jaccard about 0.9 -- so there is something to
find) are generated as
bytes a batch at a time, signed by the byte kernel on all cores into one contiguous signature
array, then paired (LSH band keys by sorting, verified on the signatures) and clustered
(``dedup.decide``) on the signatures' estimates -- the road of ``DedupOptions(exact=False)``;
the exact checks of the default road are measured by ``benchmarks.dedup``. Generation is timed
apart from the work. Then ``provenance dedup`` end to end
(reading the gzipped JSONL included) on Reuters-21578.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
from tabulate import tabulate

from benchmarks._results import RESULTS, write

ROOT = Path(__file__).resolve().parent.parent
WORDS, BATCH, NUM_PERM, N = 600, 10_000, 128, 5
CHANGED = 6  # words changed in each planted copy


class Generator:
    """Synthetic documents as packed bytes, fast enough not to hide the work being measured."""

    def __init__(self, seed: int = 0, vocab: int = 50_000) -> None:
        self.rng = np.random.default_rng(seed)
        lengths = self.rng.integers(2, 11, vocab)
        letters = self.rng.integers(ord("a"), ord("z") + 1, int(lengths.sum()), dtype=np.uint8)
        # each word followed by a space, in one buffer
        self.lengths = lengths + 1
        self.starts = np.zeros(vocab, dtype=np.int64)
        np.cumsum(self.lengths[:-1], out=self.starts[1:])
        buf = np.full(int(self.lengths.sum()), ord(" "), dtype=np.uint8)
        at = np.repeat(self.starts, lengths) + (np.arange(lengths.sum())
                                                - np.repeat(np.cumsum(lengths) - lengths, lengths))
        buf[at] = letters
        self.vocab = buf
        ranks = np.arange(1, vocab + 1)
        p = 1.0 / ranks
        self.table = np.repeat(np.arange(vocab), np.maximum(1, np.round(p / p.sum() * 2**21)
                                                           .astype(np.int64)))

    def batch(self, docs: int) -> tuple[np.ndarray, np.ndarray]:
        idx = self.table[self.rng.integers(0, len(self.table), (docs, WORDS))]
        copies = self.rng.choice(docs, docs // 10, replace=False)
        idx[copies] = idx[self.rng.integers(0, docs, len(copies))]
        rows = np.repeat(copies, CHANGED)
        idx[rows, self.rng.integers(0, WORDS, len(rows))] = self.table[
            self.rng.integers(0, len(self.table), len(rows))]
        flat = idx.ravel()
        ends = np.cumsum(self.lengths[flat])
        offsets = np.zeros(docs + 1, dtype=np.int64)
        offsets[1:] = ends[WORDS - 1 :: WORDS]
        out = np.empty(int(ends[-1]), dtype=np.uint8)
        _assemble(flat, self.vocab, self.starts, self.lengths, out)
        return out, offsets


@numba.njit(cache=True)
def _assemble(words, vocab, starts, lengths, out):
    """Copy each word (with its trailing space) from the vocabulary buffer into ``out``."""
    at = 0
    for w in words:
        s = starts[w]
        for k in range(lengths[w]):
            out[at + k] = vocab[s + k]
        at += lengths[w]


def one_size(size: int) -> dict:
    """Generate, sign, pair and cluster ``size`` documents in this process."""
    from provenance.dedup import DedupOptions, decide
    from provenance.signatures import permutations
    from provenance.signatures.kernel import batch_sign_bytes
    from provenance.signatures.text_bytes import word_table

    a, b = permutations(NUM_PERM, 1)
    table = word_table()
    gen = Generator()
    warm_buf, warm_off = gen.batch(10)
    batch_sign_bytes(warm_buf, warm_off, table, N, a, b)  # load the compiled kernel
    signatures = np.empty((size, NUM_PERM), dtype=np.uint32)
    shingles = np.empty(size, dtype=np.int64)
    generate = sign = 0.0
    for start in range(0, size, BATCH):
        count = min(BATCH, size - start)
        t = time.perf_counter()
        buf, offsets = gen.batch(count)
        generate += time.perf_counter() - t
        t = time.perf_counter()
        sigs, counts = batch_sign_bytes(buf, offsets, table, N, a, b)
        signatures[start : start + count] = sigs
        shingles[start : start + count] = counts
        sign += time.perf_counter() - t
    timings: dict[str, float] = {}
    ids = [f"doc{k:07d}" for k in range(size)]
    t = time.perf_counter()
    decisions, candidates, pairs = decide(ids, signatures, shingles, [""] * size,
                                          DedupOptions(threshold=0.8), timings=timings)
    decide_s = time.perf_counter() - t
    kept = sum(d.keep for d in decisions)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    return {"documents": size, "threads": numba.get_num_threads(),
            "generate_s": round(generate, 2), "sign_s": round(sign, 2),
            "rank_s": round(timings["rank"], 2), "pairs_s": round(timings["pairs"], 2),
            "cluster_s": round(timings["cluster"], 2),
            "work_s": round(sign + decide_s, 2), "docs_per_s_signing": round(size / sign),
            "candidates": candidates, "pairs": pairs,
            "planted_copies": size // BATCH * (BATCH // 10) + (size % BATCH) // 10,
            "dropped": size - kept,
            "peak_rss_mib": round(peak)}


def reuters(data: Path) -> dict | None:
    source = data / "reuters21578" / "reuters21578.jsonl.gz"
    if not source.is_file():
        return None
    t = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "provenance_cli.main", "dedup", str(source),
                          "-o", "/dev/null"], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t
    summary = run.stderr.strip().splitlines()[-1]
    print(f"\nReuters-21578 `provenance dedup` end to end (new process, reading included): "
          f"{seconds:.1f} s -- {summary}")
    return {"seconds": round(seconds, 2), "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_size(args.one)))
        return 0
    rows = []
    for size in (int(x) for x in args.sizes.split(",")):
        child = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--one", str(size)],
                               capture_output=True, text=True, check=True, cwd=ROOT)
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{size:>9,} documents: sign {r['sign_s']} s, pairs {r['pairs_s']} s, "
              f"cluster {r['cluster_s']} s, work {r['work_s']} s, peak {r['peak_rss_mib']} MiB",
              flush=True)
    print()
    print(tabulate([(r["documents"], r["generate_s"], r["sign_s"], r["docs_per_s_signing"],
                     r["rank_s"], r["pairs_s"], r["cluster_s"], r["work_s"], r["pairs"],
                     r["planted_copies"], r["dropped"], r["peak_rss_mib"]) for r in rows],
                   headers=("docs", "generate s", "sign s", "signed/s", "rank s", "pairs s",
                            "cluster s", "work s", "pairs", "planted", "dropped", "peak MiB"),
                   intfmt=","))
    report = {"benchmark": "scale", "words_per_document": WORDS, "num_perm": NUM_PERM,
              "shingle": f"word:{N}", "threshold": 0.8, "runs": rows,
              "reuters_dedup": reuters(args.data)}
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
