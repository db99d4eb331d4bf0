"""Core benchmark: documents/s from text to MinHash signature, ours vs datasketch, one process.

    python -m benchmarks.core [--docs 4000] [--data ../shared/datasets] [--out FILE]

Every path signs the same 600-word documents with 128 permutations and word 5-gram shingles:

- datasketch ``MinHash.update`` once per shingle (its default SHA-1 hash), the common way;
- datasketch ``MinHash.bulk`` (SHA-1, the default) and ``MinHash.bulk`` with an xxhash hashfunc;
- ours, numpy reference: Python tokenizing, xxh64 per word, shingles and signature in numpy;
- ours, numba kernel: the same tokenizing, then shingles and signatures in the compiled kernel,
  on one thread and on all cores;
- the numba kernel alone from word hashes (where the time goes once tokenizing is excluded).

Slow paths run on a subset and are reported per document. The documents are 600-word slices of
the BBC News full-text corpus (../shared/datasets/bbc_news_fulltext) when it is present, else
synthetic Zipf-distributed text (said in the output). Ratios are against ``MinHash.update``
measured in the same run; absolute figures drift with the machine's load.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xxhash
from tabulate import tabulate

from provenance.core import permutations, sign, word_unit_hashes
from provenance.core.kernel import batch_shingle_hashes, batch_signatures
from provenance.text import words

NUM_PERM, SEED, N = 128, 1, 5
WORDS_PER_DOC = 600


def default_data() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def load_documents(count: int, data: Path) -> tuple[list[str], str]:
    source = data / "bbc_news_fulltext" / "bbc_fulltext.jsonl.gz"
    words: list[str] = []
    if source.is_file():
        with gzip.open(source, "rt", encoding="utf-8") as f:
            for line in f:
                words.extend(json.loads(line)["text"].split())
        origin = f"600-word slices of {source}"
    else:
        rng = random.Random(0)
        vocab = [f"w{i}" for i in range(50_000)]
        weights = [1 / (i + 1) for i in range(len(vocab))]
        words = rng.choices(vocab, weights, k=WORDS_PER_DOC * count)
        origin = "synthetic Zipf text (BBC corpus not found; pass --data)"
    docs = []
    for i in range(count):
        start = (i * WORDS_PER_DOC) % max(1, len(words) - WORDS_PER_DOC)
        docs.append(" ".join(words[start : start + WORDS_PER_DOC]))
    return docs, origin


def word_lists(docs: list[str]) -> list[list[str]]:
    return [words(d) for d in docs]


def shingle_bytes(words: list[str]) -> list[bytes]:
    return [" ".join(words[i : i + N]).encode() for i in range(len(words) - N + 1)]


def timed(func: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` wall-clock runs (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def run(count: int, data: Path) -> dict:
    from datasketch import MinHash

    docs, origin = load_documents(count, data)
    small = docs[: max(50, count // 20)]
    medium = docs[: max(200, count // 4)]
    a, b = permutations(NUM_PERM, SEED)
    import numba

    threads = numba.get_num_threads()
    sign(word_units := [word_unit_hashes(w) for w in word_lists(docs[:8])], N,
         NUM_PERM, SEED, engine="numba")  # compile / load the cache outside the timings

    def ds_update(batch):
        def go():
            for d in batch:
                m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
                for s in shingle_bytes(words(d)):
                    m.update(s)
        return go

    def ds_bulk(batch, hashfunc=None):
        kwargs = {"num_perm": NUM_PERM, "seed": SEED, "scheme": "affine32"}
        if hashfunc:
            kwargs["hashfunc"] = hashfunc
        return lambda: MinHash.bulk([shingle_bytes(w) for w in word_lists(batch)], **kwargs)

    def ours(batch, engine):
        return lambda: sign([word_unit_hashes(w) for w in word_lists(batch)], N, NUM_PERM, SEED,
                            engine=engine)

    word_units = [word_unit_hashes(w) for w in word_lists(docs)]
    flat = np.concatenate(word_units)
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(u) for u in word_units], out=offsets[1:])

    def kernel_only():
        hashes, hash_offsets = batch_shingle_hashes(flat, offsets, N)
        batch_signatures(hashes, hash_offsets, a, b)

    def with_threads(n, func):
        def go():
            numba.set_num_threads(n)
            try:
                func()
            finally:
                numba.set_num_threads(threads)
        return go

    xxh32 = xxhash.xxh32_intdigest
    rows = [
        ("datasketch MinHash.update per shingle (SHA-1)", len(small), 1,
         timed(ds_update(small), 1)),
        ("datasketch MinHash.bulk (SHA-1)", len(medium), 1, timed(ds_bulk(medium), 2)),
        ("datasketch MinHash.bulk (xxh32 hashfunc)", len(medium), 1,
         timed(ds_bulk(medium, xxh32), 2)),
        ("ours: numpy reference (tokenize + numpy)", len(medium), 1,
         timed(ours(medium, "numpy"), 2)),
        ("ours: numba kernel, 1 thread (tokenize + kernel)", len(docs), 1,
         timed(with_threads(1, ours(docs, "numba")))),
        (f"ours: numba kernel, {threads} threads (tokenize + kernel)", len(docs), threads,
         timed(ours(docs, "numba"))),
        ("ours: kernel only from word hashes, 1 thread", len(docs), 1,
         timed(with_threads(1, kernel_only))),
        (f"ours: kernel only from word hashes, {threads} threads", len(docs), threads,
         timed(kernel_only)),
    ]
    base = rows[0][1] / rows[0][3]
    results = []
    for name, n_docs, cores, seconds in rows:
        rate = n_docs / seconds
        results.append({"path": name, "documents": n_docs, "threads": cores,
                        "seconds": round(seconds, 4), "docs_per_s": round(rate, 1),
                        "docs_per_s_per_core": round(rate / cores, 1),
                        "vs_update": round(rate / base, 1)})
    import datasketch

    return {
        "benchmark": "core",
        "documents": origin,
        "words_per_document": WORDS_PER_DOC,
        "num_perm": NUM_PERM,
        "shingle": f"word:{N}",
        "results": results,
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "versions": {"numpy": np.__version__, "numba": numba.__version__,
                     "datasketch": datasketch.__version__, "xxhash": xxhash.VERSION},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=4000, help="documents for the fast paths")
    parser.add_argument("--data", type=Path, default=default_data(),
                        help="the shared datasets folder")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "core.json")
    args = parser.parse_args(argv)
    report = run(args.docs, args.data)
    print(f"documents: {report['documents']}; {report['num_perm']} permutations, "
          f"{report['shingle']} shingles")
    print(tabulate([(r["path"], r["documents"], r["docs_per_s"], r["docs_per_s_per_core"],
                     f"{r['vs_update']}x") for r in report["results"]],
                   headers=("path", "docs", "docs/s", "docs/s/core", "vs update"),
                   floatfmt=",.0f"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
