"""Index throughput and latency: 100k documents in SQLite and in Redis, beside datasketch's
MinHashLSH with its Redis storage on the same documents.

    python -m benchmarks.index [--docs 100000] [--redis redis://HOST:PORT/DB]

Documents are synthetic 600-word articles (Zipf words; the 100 most frequent are real stop
words; a sentence ends every 20 words), generated as bytes like ``benchmarks.scale``. Adds go in
batches of 1,000 (one transaction each); then, into the full index, 500 adds of one document
and 100 of ten (a pipeline adding articles as they come; removed again before the queries).
Queries: 300 probes -- 200 copies of indexed documents with 10 words changed, 100 new
documents -- timed one at a time, with and without passages (wall time, and this process's CPU
time per query, which other processes on a shared machine disturb less), in three passes over
the probes, each figure the median pass's (every pass's wall p50 and p99 are in the results:
on a shared machine a burst of other work moves one pass). Before each index's
timed probes, 150 other probes made the same way run first (reported apart as ``warmup``): the
process's word -> term table starts empty and fills as words are met, and every index is then
measured in the same warm process, not the first one alone paying the first queries.

SQLite runs twice: batches of 1,000 and of 10,000 documents per add; then on real news, 18,000
Reuters-21578 stories (``--data``; skipped when absent) with 300 others as queries.

datasketch gets our signatures as ``LeanMinHash`` (its hashing is not timed, ours is) and is run
on a subset (its Redis inserts are slow), both with ``insert`` one at a time and with its
``insertion_session`` batch mode. The Redis database given is flushed; without ``--redis``, a
private ``redis-server`` is started on a free port for the run (and stopped after), so no Redis
someone runs on the default port is touched.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from tabulate import tabulate

from benchmarks._results import RESULTS, write
from benchmarks.scale import _assemble
from provenance import Document, read
from provenance.index import Index
from provenance.signatures import prepare, sign_bytes, to_lean_minhash
from provenance.text.lexicon import STOPWORDS

WORDS, SENTENCE = 600, 20


class Articles:
    def __init__(self, seed: int = 0, vocab: int = 50_000) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        stop = sorted(w for w in STOPWORDS if w.isalpha())[:100]
        words = stop + ["".join(chr(c) for c in rng.integers(97, 123, int(n)))
                        for n in rng.integers(3, 11, vocab - len(stop))]
        entries = [w + " " for w in words] + [w + ". " for w in words]  # plain, sentence end
        raw = "".join(entries).encode()
        self.lengths = np.array([len(e) for e in entries], dtype=np.int64)
        self.starts = np.zeros(len(entries), dtype=np.int64)
        np.cumsum(self.lengths[:-1], out=self.starts[1:])
        self.vocab = np.frombuffer(raw, dtype=np.uint8)
        self.size = vocab
        p = 1.0 / np.arange(1, vocab + 1)
        self.table = np.repeat(np.arange(vocab), np.maximum(1, np.round(p / p.sum() * 2**21)
                                                           .astype(np.int64)))

    def indices(self, n: int) -> np.ndarray:
        idx = self.table[self.rng.integers(0, len(self.table), (n, WORDS))]
        idx[:, SENTENCE - 1 :: SENTENCE] += self.size  # the dotted variant ends a sentence
        return idx

    def texts(self, idx: np.ndarray) -> list[str]:
        flat = idx.ravel()
        ends = np.cumsum(self.lengths[flat])
        out = np.empty(int(ends[-1]), dtype=np.uint8)
        _assemble(flat, self.vocab, self.starts, self.lengths, out)
        bounds = np.r_[0, ends[WORDS - 1 :: WORDS]]
        raw = out.tobytes()
        return [raw[bounds[k] : bounds[k + 1]].decode() for k in range(len(idx))]


PASSES = 3  # the timed probes run three times over; the median pass's figures are reported


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.array(seconds) * 1e3
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 99)), 2)


def timed_queries(ix: Index, probes: list[Document], passages: bool, cpu: list | None = None,
                  passes: int = 1, each: list | None = None):
    """p50 and p99 ms of the probes' queries (k=5), one at a time, and their answers; with
    ``cpu``, the p50 and p99 ms of this process's CPU time per query are appended to it (on a
    shared machine they move less with the other processes' load than the wall time does; a
    Redis server's work is not in them). With ``passes`` > 1 the probes run that many times
    over and each figure is the median of the passes' (a burst of other processes' work on a
    shared machine then moves one pass, not the figure); ``each`` gets every pass's wall
    ``[p50, p99]``. The answers are the first pass's (every pass gives the same)."""
    walls, cpus, answers = [], [], []
    for n in range(passes):
        seconds, cpu_seconds = [], []
        for q in probes:
            c = time.process_time()
            t = time.perf_counter()
            found = ix.query(q, k=5, passages=passages)
            seconds.append(time.perf_counter() - t)
            cpu_seconds.append(time.process_time() - c)
            if n == 0:
                answers.append(found)
        walls.append(percentiles(seconds))
        cpus.append(percentiles(cpu_seconds))
    if each is not None:
        each.extend(list(w) for w in walls)
    if cpu is not None:
        cpu.extend(_median(cpus))
    return *_median(walls), answers


def _row(figures: dict) -> tuple:
    """A table row's p50, p99 and copies found first (the passes are in the results)."""
    return figures["p50_ms"], figures["p99_ms"], figures["copies_found_first"]


def _median(passes: list[tuple[float, float]]) -> tuple[float, float]:
    """The median pass's p50 and p99 (each taken on its own)."""
    return tuple(round(float(np.median([p[k] for p in passes])), 2) for k in (0, 1))


def ours(location: str, docs: list[Document], probes: list[Document], batch: int = 1000,
         extra: list[Document] | None = None, warm: list[Document] | None = None) -> dict:
    with Index(location) as ix:
        ix.add(docs[:1])  # loads the compiled kernel (once per process), not timed
        start = time.perf_counter()
        for s in range(1, len(docs), batch):
            ix.add(docs[s : s + batch])
        adds = (len(docs) - 1) / (time.perf_counter() - start)
        out = {"adds_per_s": round(adds), "documents": len(ix), "batch": batch}
        if extra:  # a pipeline adding articles as they come, into the full index
            small = {}
            for size, part in ((1, extra[:500]), (10, extra[500:])):
                start = time.perf_counter()
                for s in range(0, len(part), size):
                    ix.add(part[s : s + size])
                small[str(size)] = round(len(part) / (time.perf_counter() - start))
            out["adds_per_s_in_adds_of"] = small
            ix.remove([d.id for d in extra])
        out["cpu_ms_p50_p99"] = {}
        for passages in (False, True):
            key = "with_passages" if passages else "without_passages"
            if warm:
                # Other probes first: the process's word -> term table starts empty and
                # fills as words are met (about 20 us a new word), and every index gets the
                # same warm process; what the first queries of a process cost is reported on
                # its own (warmup), not mixed into the first index's p99
                p50, p99, _ = timed_queries(ix, warm, passages)
                out.setdefault("warmup", {})[key] = {"p50_ms": p50, "p99_ms": p99}
            cpu: list = []
            each: list = []
            p50, p99, answers = timed_queries(ix, probes, passages, cpu, PASSES, each)
            out["cpu_ms_p50_p99"][key] = cpu
            hits = sum(bool(found) and found[0].id == q.id.removeprefix("probe-")
                       for q, found in zip(probes, answers, strict=True))
            out[key] = {"p50_ms": p50, "p99_ms": p99, "copies_found_first": hits,
                        "passes_p50_p99_ms": each}
        out["stats"] = ix.stats()
    return out


def reuters(source: Path, location: str) -> dict:
    """Real news: 18,000 Reuters-21578 stories (shuffled, seed 1) added in batches of 1,000,
    300 others queried (k=5) with and without passages, after 100 others (reported apart as
    ``warmup``: a warm process, as for the synthetic indexes)."""
    import random

    docs = [d for d in read(source).documents if d.text.strip()]
    random.Random(1).shuffle(docs)
    base, probes, warm = docs[:18_000], docs[18_000:18_300], docs[18_300:18_400]
    out: dict = {"documents": len(base), "probes": len(probes),
                 "chars_per_document": round(sum(len(d.text) for d in base) / len(base))}
    with Index(location) as ix:
        ix.add(base[:1])  # loads the compiled kernel, not timed
        start = time.perf_counter()
        for s in range(1, len(base), 1000):
            ix.add(base[s : s + 1000])
        out["adds_per_s"] = round((len(base) - 1) / (time.perf_counter() - start))
        out["cpu_ms_p50_p99"] = {}
        for passages in (False, True):
            p50, p99, _ = timed_queries(ix, warm, passages)
            out.setdefault("warmup", {})[
                "with_passages" if passages else "without_passages"] = {
                "p50_ms": p50, "p99_ms": p99}
            cpu: list = []
            each: list = []
            p50, p99, answers = timed_queries(ix, probes, passages, cpu, PASSES, each)
            out["cpu_ms_p50_p99"]["with_passages" if passages else "without_passages"] = cpu
            out["with_passages" if passages else "without_passages"] = {
                "p50_ms": p50, "p99_ms": p99, "queries_with_matches": sum(map(bool, answers)),
                "passes_p50_p99_ms": each}
    return out


def datasketch_redis(url: str, docs: list[Document], probes: list[Document], n: int) -> dict:
    import redis
    from datasketch import MinHashLSH

    r = redis.Redis.from_url(url, socket_timeout=600)
    r.flushdb()
    db = r.connection_pool.connection_kwargs.get("db", 0)
    host = r.connection_pool.connection_kwargs.get("host", "localhost")
    port = r.connection_pool.connection_kwargs.get("port", 6379)
    sigs, _ = sign_bytes([prepare(d.text) for d in docs[:n]])
    lean = [to_lean_minhash(s) for s in sigs]
    config = {"type": "redis", "redis": {"host": host, "port": port, "db": db}}
    lsh = MinHashLSH(threshold=0.5, num_perm=128, storage_config=config)
    one = min(2000, n)
    start = time.perf_counter()
    for d, m in zip(docs[:one], lean[:one], strict=True):
        lsh.insert(d.id, m)
    inserts = one / (time.perf_counter() - start)
    r.flushdb()
    lsh = MinHashLSH(threshold=0.5, num_perm=128, storage_config=config)
    start = time.perf_counter()
    with lsh.insertion_session(buffer_size=50_000) as session:
        for d, m in zip(docs[:n], lean, strict=True):
            session.insert(d.id, m)
    session_rate = n / (time.perf_counter() - start)
    qsigs, _ = sign_bytes([prepare(q.text) for q in probes])
    seconds = []
    for s in qsigs:
        m = to_lean_minhash(s)
        t = time.perf_counter()
        lsh.query(m)
        seconds.append(time.perf_counter() - t)
    p50, p99 = percentiles(seconds)
    r.flushdb()
    return {"documents": n, "insert_per_s": round(inserts), "insert_measured_on": one,
            "insertion_session_per_s": round(session_rate), "query_p50_ms": p50,
            "query_p99_ms": p99}


def private_redis():
    """A redis-server of our own on a free port: ``(process, URL of its database 0)``."""
    import shutil
    import socket
    import subprocess

    import redis

    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (or pass --redis URL)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tempfile.gettempdir()],
                            stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            return proc, url
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not answer on port {port}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--redis", default=None,
                        help="a Redis database to flush and use [default: a private "
                        "redis-server on a free port]")
    parser.add_argument("--datasketch-docs", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=RESULTS / "index.json")
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared"
                        / "datasets")
    args = parser.parse_args(argv)
    gen = Articles()
    start = time.perf_counter()
    idx = gen.indices(args.docs)
    docs = [Document(f"a{k}", t) for k, t in enumerate(gen.texts(idx))]
    pick = gen.rng.choice(args.docs, 200, replace=False)
    changed = idx[pick].copy()
    rows = np.repeat(np.arange(200), 10)
    changed[rows, gen.rng.integers(0, WORDS - 1, len(rows))] = gen.table[
        gen.rng.integers(0, len(gen.table), len(rows))]
    probes = [Document(f"probe-a{k}", t) for k, t in zip(pick, gen.texts(changed), strict=True)]
    probes += [Document(f"probe-new{k}", t) for k, t in enumerate(gen.texts(gen.indices(100)))]
    extra = [Document(f"x{k}", t) for k, t in enumerate(gen.texts(gen.indices(1500)))]
    # warm-up probes made as the probes are (after them: the probes stay those of earlier runs)
    pick_w = gen.rng.choice(args.docs, 100, replace=False)
    changed_w = idx[pick_w].copy()
    rows_w = np.repeat(np.arange(100), 10)
    changed_w[rows_w, gen.rng.integers(0, WORDS - 1, len(rows_w))] = gen.table[
        gen.rng.integers(0, len(gen.table), len(rows_w))]
    warm = [Document(f"warm-a{k}", t) for k, t in zip(pick_w, gen.texts(changed_w),
                                                       strict=True)]
    warm += [Document(f"warm-new{k}", t) for k, t in enumerate(gen.texts(gen.indices(50)))]
    print(f"generated {args.docs:,} documents in {time.perf_counter() - start:.1f} s")
    report: dict = {"benchmark": "index", "documents": args.docs, "words_per_document": WORDS,
                    "probes": {"copies": 200, "new": 100}}
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = ours(os.path.join(tmp, "index.db"), docs, probes, extra=extra,
                                 warm=warm)
        print("sqlite", report["sqlite"])
        report["sqlite_batch_10000"] = ours(os.path.join(tmp, "big.db"), docs, probes, 10_000,
                                             warm=warm)
        print("sqlite, batches of 10,000", report["sqlite_batch_10000"])
        source = args.data / "reuters21578" / "reuters21578.jsonl.gz"
        if source.is_file():
            report["sqlite_reuters"] = reuters(source, os.path.join(tmp, "reuters.db"))
            print("sqlite, Reuters-21578", report["sqlite_reuters"])
        else:
            print(f"Reuters part skipped: {source} not found (pass --data)")
    private = None
    try:
        import redis

        if args.redis is None:
            private, args.redis = private_redis()
        server = redis.Redis.from_url(args.redis, socket_timeout=600)  # flushing takes time
        server.flushdb()
        report["redis"] = ours(args.redis, docs, probes, extra=extra, warm=warm)
        print("redis", report["redis"])
        server.flushdb()
        report["datasketch_redis"] = datasketch_redis(args.redis, docs, probes,
                                                      min(args.docs, args.datasketch_docs))
        print("datasketch", report["datasketch_redis"])
    except Exception as exc:  # noqa: BLE001 -- the SQLite figures stand on their own
        print(f"Redis part skipped: {exc}")
        report["redis_skipped"] = str(exc)
    finally:
        if private is not None:
            private.terminate()
            private.wait()
    table = [(f"ours, SQLite (batches of {r['batch']:,})", r["adds_per_s"],
              *_row(r["without_passages"]), *_row(r["with_passages"]))
             for r in (report["sqlite"], report["sqlite_batch_10000"])]
    if "redis" in report:
        table.append(("ours, Redis (batches of 1,000)", report["redis"]["adds_per_s"],
                      *_row(report["redis"]["without_passages"]),
                      *_row(report["redis"]["with_passages"])))
    if "datasketch_redis" in report:
        d = report["datasketch_redis"]
        table.append((f"datasketch MinHashLSH, Redis ({d['documents']:,} docs; insert / "
                      "session)", f"{d['insert_per_s']} / {d['insertion_session_per_s']}",
                      d["query_p50_ms"], d["query_p99_ms"], "", "", "", ""))
    print(tabulate(table, headers=("", "adds/s", "p50 ms", "p99 ms", "copies first", "p50 ms "
                                   "(passages)", "p99 ms (passages)", "copies first")))
    if "sqlite_reuters" in report:
        r = report["sqlite_reuters"]
        print(f"Reuters-21578 ({r['documents']:,} stories, SQLite): {r['adds_per_s']:,} adds/s; "
              f"query p50/p99 {r['without_passages']['p50_ms']}/{r['without_passages']['p99_ms']}"
              f" ms, with passages {r['with_passages']['p50_ms']}/"
              f"{r['with_passages']['p99_ms']} ms; {r['with_passages']['queries_with_matches']}"
              f" of {r['probes']} queries matched")
    for name in ("sqlite", "sqlite_batch_10000", "sqlite_reuters", "redis"):
        if name in report:
            cpu = report[name]["cpu_ms_p50_p99"]
            print(f"{name}: CPU ms per query (this process; p50/p99): without passages "
                  f"{cpu['without_passages'][0]}/{cpu['without_passages'][1]}, with passages "
                  f"{cpu['with_passages'][0]}/{cpu['with_passages'][1]}")
    if "warmup" in report.get("sqlite", {}):
        w = report["sqlite"]["warmup"]["with_passages"]
        print(f"the process's first queries with passages (sqlite, 150 warm-up probes): p50 "
              f"{w['p50_ms']} ms, p99 {w['p99_ms']} ms")
    for name in ("sqlite", "redis"):
        if "adds_of" in str(report.get(name, {})):
            small = report[name]["adds_per_s_in_adds_of"]
            print(f"{name}: into the full index, adds of 1 document: {small['1']:,}/s, "
                  f"of 10: {small['10']:,}/s")
    write(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
