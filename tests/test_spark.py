"""The Spark engine gives the local engine's answers, value for value (issue 16).

Needs pyspark and a Java runtime: skipped without them (and said why), unless
PROVENANCE_REQUIRE_SPARK=1, which CI sets when both are installed. One local[2] session for
the whole module.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from provenance.dedup import dedup as local_dedup
from provenance.options import DedupOptions, PassageOptions, ScanConfig
from provenance.passages.finder import EXACT_LIMIT, find_passages
from provenance.read.files import iter_read, read
from provenance.scan import analyze
from provenance.spark.session import missing

pytestmark = [pytest.mark.spark, pytest.mark.slow]

WHY = missing()
if WHY and os.environ.get("PROVENANCE_REQUIRE_SPARK") != "1":
    pytest.skip(f"Spark engine not available: {WHY}", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def spark():
    from provenance.spark import session

    s = session("local[2]", "provenance tests", shuffle_partitions=4)
    yield s
    s.stop()


def _words(rng: random.Random, n: int) -> list[str]:
    vocab = [f"w{k}" for k in range(3000)]
    return [rng.choice(vocab) for _ in range(n)]


def planted_corpus(seed: int = 7) -> list[dict]:
    """Random 150-word texts with planted near-duplicates: copies with a few words changed,
    a chain A~B~C (A and C apart, A first), 40 copies of one text (a band key held by more than 32
    documents), dates that decide who is kept, a text without words, a one-word text."""
    rng = random.Random(seed)
    rows = []

    def add(i, words, published=None):
        rows.append({"id": f"d{i:03d}", "text": " ".join(words) + ".",
                     "published": published})

    base = [_words(rng, 150) for _ in range(30)]
    for i, w in enumerate(base):
        add(i, w, f"2023-03-{1 + i % 28:02d}" if i % 3 else None)
    k = 30
    for i in range(0, 30, 2):  # copies with 3 words changed
        w = list(base[i])
        for pos in rng.sample(range(150), 3):
            w[pos] = "changed"
        add(k, w, "2023-02-01" if i % 4 == 0 else None)
        k += 1
    a = _words(rng, 200)  # a chain: b is a with 3 words changed, c is b with 3 more
    b = list(a)
    for pos in (20, 90, 160):
        b[pos] = "x"
    c = list(b)
    for pos in (55, 125, 190):
        c[pos] = "y"
    for day, w in enumerate((a, b, c), start=1):
        add(k, w, f"2023-01-0{day}")
        k += 1
    wire = _words(rng, 120)
    for j in range(40):
        add(k, wire, f"2023-04-{1 + j % 20:02d}")
        k += 1
    rows.append({"id": "empty", "text": "!!! ...", "published": None})
    rows.append({"id": "short", "text": "word", "published": None})
    return rows


def _frame(spark, rows, partitions=3):
    return spark.createDataFrame(
        [(r["id"], r["text"], r.get("published")) for r in rows],
        "id string, text string, published string").repartition(partitions)


def _local_documents(rows):
    from provenance.documents import Document

    return [Document(id=r["id"], text=r["text"], published=r.get("published")) for r in rows]


def _decisions(frame) -> list[tuple]:
    return sorted((r["id"], r["keep"], r["cluster"], r["similarity"], r["shingles"],
                   tuple(r["near_clusters"])) for r in frame.collect())


def _local_decisions(result) -> list[tuple]:
    return sorted((d.id, d.keep, d.cluster, d.similarity, d.shingles, d.near_clusters)
                  for d in result.decisions)


def test_dedup_equals_local_on_planted_near_duplicates(spark):
    from provenance.spark import dedup

    rows = planted_corpus()
    options = DedupOptions(threshold=0.8)
    ours = _decisions(dedup(_frame(spark, rows), options).decisions)
    local = _local_decisions(local_dedup(_local_documents(rows), options))
    assert ours == local
    assert sum(not d[1] for d in local) >= 45  # copies, the chain and the wire copies dropped
    assert any(d[5] for d in local)  # the chain's near_clusters
    # the input order (partitions) does not change a decision
    again = _decisions(dedup(_frame(spark, list(reversed(rows)), 5), options).decisions)
    assert again == ours


def test_dedup_equals_local_on_the_seeds(spark):
    from provenance.spark import dedup, read_input

    seeds = ROOT / "seeds"
    corpus = read(seeds)
    rows = [{"id": d.id, "text": d.text, "published": d.published} for d in corpus.documents]
    for threshold in (0.8, 0.05):  # 0.05: the seeds do pair up
        options = DedupOptions(threshold=threshold)
        ours = _decisions(dedup(_frame(spark, rows), options).decisions)
        assert ours == _local_decisions(local_dedup(corpus.documents, options))
    del read_input


def test_exact_verification_keeps_the_pairs_at_exact_jaccard(spark):
    from provenance.signatures import prepare, shingle_hashes
    from provenance.signatures.text_bytes import unit_hashes_reference
    from provenance.spark import dedup
    from provenance.spark.dedup import shingle_sets

    rows = planted_corpus(11)
    chunks = [prepare(r["text"]) for r in rows]
    sets = shingle_sets(chunks, 5)
    for chunk, got in zip(chunks, sets, strict=True):  # kernel == reference, value for value
        assert np.array_equal(got, np.unique(shingle_hashes(unit_hashes_reference(chunk), 5)))
    by_id = {r["id"]: s for r, s in zip(rows, sets, strict=True)}
    found = dedup(_frame(spark, rows), DedupOptions(threshold=0.8), verify="exact").pairs
    pairs = {(r["a"], r["b"]): r["similarity"] for r in found.collect()}
    assert pairs
    for (a, b), sim in pairs.items():
        inter = len(np.intersect1d(by_id[a], by_id[b]))
        assert sim == inter / (len(by_id[a]) + len(by_id[b]) - inter) >= 0.8


def _passage_rows(frame) -> list[dict]:
    out = [{**r.asDict(), "score": round(r["score"], 6)} for r in frame.collect()]
    return sorted(out, key=lambda p: (p["a"], p["b"], p["a_start"], p["b_start"]))


def test_passages_equal_local_on_the_seeds(spark):
    from provenance.spark import passages

    docs = sorted(read(ROOT / "seeds").documents, key=lambda d: d.id)
    rows = [{"id": d.id, "text": d.text} for d in docs]
    ours = passages(_frame(spark, rows))
    assert ours.units <= EXACT_LIMIT  # the exact candidates of find_passages
    local = [p.to_dict() for p in find_passages(docs)]
    assert local and _passage_rows(ours.passages) == local


def news_corpus(seed: int = 3, docs: int = 120) -> list[dict]:
    """Documents of sentences drawn from a pool: shared sentences (some rewritten by a word or
    two, some the template of the genre in many documents) make passages; more than
    EXACT_LIMIT units, so candidates come from the rarest-term keys."""
    rng = random.Random(seed)
    vocab = [f"term{k}" for k in range(4000)]
    pool = [" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 16))).capitalize() + "."
            for _ in range(900)]
    template = "The company said quarterly dividend was five cts a share payable soon."
    rows = []
    for i in range(docs):
        sents = rng.sample(pool, 12)
        if i % 4 == 0:
            sents[3] = template
        if i % 5 == 0:  # a rewritten sentence
            w = sents[5].split()
            w[1] = "rewritten"
            sents[5] = " ".join(w)
        rows.append({"id": f"n{i:03d}", "text": " ".join(sents)})
    return rows


def test_passages_equal_local_with_rare_term_candidates(spark):
    from provenance.documents import Document
    from provenance.spark import passages

    rows = news_corpus()
    docs = [Document(id=r["id"], text=r["text"]) for r in rows]
    ours = passages(_frame(spark, rows, 4), PassageOptions())
    assert ours.units > EXACT_LIMIT
    local = [p.to_dict() for p in find_passages(docs)]
    assert len(local) > 20
    assert _passage_rows(ours.passages) == local


def wire_corpus(seed: int = 4, docs: int = 48) -> list[dict]:
    """Wire stories, each on one line (no site clutter): prose drawn from a pool of sentences
    (some shared: real reuse), a dividend line "Qtly div 12 cts vs 9 cts prior" and an index
    line "The Zalo index closed 12 points higher at 340" in most of them -- templates, some
    lines given verbatim by two unrelated stories -- a credit line, two stock sentences in every
    story, near-duplicate groups (a story re-issued up to four times, a word changed), and a
    notice of just the stock sentences re-issued (a whole copy whose sentences are too common
    to match: it is aligned on its own); all within scan's own rules (no cluster of more than
    20 copies)."""
    rng = random.Random(seed)
    cons, vows = "bdfgklmnprstvz", "aeiou"

    def word() -> str:
        return "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(2, 3)))

    vocab = [word() for _ in range(2500)]
    names = [word().capitalize() for _ in range(40)]

    def prose() -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(9, 16))).capitalize() + "."

    pool = [prose() for _ in range(300)]
    credits = [f"(Reporting by {rng.choice(names)} {rng.choice(names)}; Editing by "
               f"{rng.choice(names)} {rng.choice(names)})" for _ in range(12)]
    divs = [f"Qtly div {rng.randint(2, 60)} cts vs {rng.randint(2, 60)} cts prior."
            for _ in range(10)]
    index = [f"The {rng.choice(names)} index closed {rng.randint(2, 90)} points higher at "
             f"{rng.randint(100, 900)}." for _ in range(8)]
    stock = ["Trading was quiet across the region on the day.",
             "Brokers expected little change before the holiday weekend."]
    rows = []
    for i in range(docs):
        sents = rng.sample(pool, rng.randint(6, 10)) + stock
        if i % 3:
            sents.insert(rng.randint(1, len(sents)), rng.choice(divs))
        if i % 5 in (1, 2, 4):
            sents.insert(rng.randint(0, len(sents)), rng.choice(index))
        if i % 4:
            sents.append(rng.choice(credits))
        rows.append({"id": f"w{i:03d}", "text": " ".join(sents), "outlet": f"Outlet {i % 5}",
                     "published": f"2024-02-{1 + i % 27:02d}T{8 + i % 9:02d}:00:00Z"})
    for k in range(6):  # re-issues: near-duplicate groups of two to five
        src = rows[k * 7]
        for j in range(1 + k % 4):
            text = src["text"]
            if j % 2:
                words = text.split(" ")
                words[len(words) // 2] = rng.choice(vocab)
                text = " ".join(words)
            rows.append({"id": f"{src['id']}r{j}", "text": text, "outlet": f"Outlet {j}",
                         "published": f"2024-03-{1 + j:02d}T10:00:00Z"})
    for j in range(2):
        rows.append({"id": f"notice{j}", "text": " ".join(stock), "outlet": "Outlet 9",
                     "published": f"2024-03-0{1 + j}T12:00:00Z"})
    return rows


def web_corpus(seed: int = 5) -> list[dict]:
    """Pages of two sites (told apart by their URLs' hosts): stories drawn from a pool of
    sentences (shared ones make passages across the sites), each page framed by its site's
    furniture on lines of their own ("Share this article", a newsletter line) -- clutter that
    ``scan`` marks boilerplate (``site_boilerplate``) before it signs, learns or aligns."""
    rng = random.Random(seed)
    cons, vows = "bdfgklmnprstvz", "aeiou"

    def word() -> str:
        return "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(2, 3)))

    vocab = [word() for _ in range(1500)]
    pool = [" ".join(rng.choice(vocab) for _ in range(rng.randint(9, 16))).capitalize() + "."
            for _ in range(120)]
    furniture = {
        "https://www.dailyplanet.example/news/": ["Share this article", "Facebook Twitter Email",
                                                  "Sign up for our morning newsletter today"],
        "https://gazette.example/story/": ["Most read stories this week",
                                           "Advertisement continues below the story text"],
    }
    rows = []
    for i in range(24):
        base = list(furniture)[i % 2]
        story = [" ".join(rng.sample(pool, 3)) for _ in range(rng.randint(2, 4))]
        rows.append({"id": f"web{i:02d}", "url": f"{base}{i}",
                     "text": "\n".join(furniture[base][:1] + story + furniture[base][1:]),
                     "published": f"2024-04-{1 + i % 28:02d}T09:00:00Z"})
    return rows


def test_site_clutter_equals_local(spark):
    """Spark's clutter lines are ``site_clutter``'s; a page's sentences get them marked as
    ``site_boilerplate`` marks them."""
    from provenance.documents import Document
    from provenance.spark.clutter import document_sentences, site_clutter
    from provenance.text.sentences import sentences
    from provenance.text.templates import site_boilerplate, site_of
    from provenance.text.templates import site_clutter as local_clutter

    docs = [Document(**r) for r in web_corpus()]
    sites = [site_of(d.outlet, d.url) for d in docs]
    sents = [sentences(d.text, d.id) for d in docs]
    local = local_clutter(sites, [d.text for d in docs], sents)
    assert {site for site, _ in local} == {"dailyplanet.example", "gazette.example"}
    frame = spark.createDataFrame([(d.id, d.text, d.url) for d in docs],
                                  "id string, text string, url string")
    ours = site_clutter(frame)
    assert ours == local
    marked = site_boilerplate(sites, [d.text for d in docs], sents)
    assert [document_sentences(d.id, d.text, d.outlet, d.url, ours) for d in docs] == marked
    assert marked != [tuple(s) for s in sents]
    assert site_clutter(_frame(spark, [{"id": "a", "text": "No site.\nNo site."}])) == frozenset()


def _wire_frame(spark, rows, partitions=3):
    return spark.createDataFrame(
        [(r["id"], r["text"], r["outlet"], r["published"]) for r in rows],
        "id string, text string, outlet string, published string").repartition(partitions)


def _scan_templates(docs, analysis):
    """The templates ``analyze`` learns (its near-duplicate clusters counting once)."""
    from provenance.text.sentences import sentences
    from provenance.text.templates import learn_templates

    group = {d: k for k, g in enumerate(analysis.clusters) for d in g}
    return learn_templates([sentences(d.text, d.id) for d in docs],
                           groups=[group.get(d.id, len(analysis.clusters) + i)
                                   for i, d in enumerate(docs)])


def test_learned_templates_equal_local(spark):
    """Spark's templates equal ``learn_templates``' on the same documents and groups: each
    document alone (the seeds, the wire corpus), a group column, and scan's near-duplicate
    clusters (the wire corpus: its re-issues count once)."""
    from provenance.documents import Document
    from provenance.spark.passages import pairs
    from provenance.spark.templates import learn_templates as spark_learn
    from provenance.spark.templates import scan_groups
    from provenance.text.sentences import sentences
    from provenance.text.templates import learn_templates

    seeds = sorted(read(ROOT / "seeds").documents, key=lambda d: d.id)
    frame = _frame(spark, [{"id": d.id, "text": d.text} for d in seeds])
    assert spark_learn(frame) == learn_templates([sentences(d.text, d.id) for d in seeds])

    rows = wire_corpus()
    docs = sorted((Document(**r) for r in rows), key=lambda d: d.id)
    frame = _wire_frame(spark, rows)
    alone = learn_templates([sentences(d.text, d.id) for d in docs])
    assert spark_learn(frame) == alone
    by_outlet = learn_templates([sentences(d.text, d.id) for d in docs],
                                groups=[hash(d.outlet) for d in docs])
    assert spark_learn(frame, groups="outlet") == by_outlet

    analysis = analyze(docs)
    local = _scan_templates(docs, analysis)
    assert {t.shape for t in local.templates} == {"qtly div # cts vs # cts prior",
                                                  "N index closed # points higher at #"}
    assert local.formulas and local.trigrams
    assert local != alone  # the groups count: a re-issued story counts once
    found, _ = pairs(frame, analysis.config)
    assert spark_learn(frame, groups=scan_groups(found, analysis.config.threshold)) == local


def test_passages_with_templates_and_whole_copies_equal_local(spark):
    """``passages(df, templates=..., whole_copies=...)`` is ``find_passages`` with them, value
    for value, on a corpus where both change the answer -- both candidate roads."""
    from provenance.documents import Document
    from provenance.spark import passages
    from provenance.trace.graph import NEAR_DUPLICATE

    rows = wire_corpus()
    docs = sorted((Document(**r) for r in rows), key=lambda d: d.id)
    analysis = analyze(docs)
    learned = _scan_templates(docs, analysis)
    whole = [(p.a, p.b) for p in analysis.pairs if p.jaccard >= NEAR_DUPLICATE]
    assert 5 <= len(whole) < len(analysis.pairs)
    local = [p.to_dict() for p in find_passages(docs, templates=learned, whole_copies=whole)]
    assert local != [p.to_dict() for p in find_passages(docs)]  # templates change it
    assert local != [p.to_dict() for p in find_passages(docs, templates=learned)]  # copies too
    frame = _wire_frame(spark, rows)
    ours = passages(frame, templates=learned,
                    whole_copies=spark.createDataFrame(whole, "a string, b string"))
    assert ours.units <= EXACT_LIMIT
    assert _passage_rows(ours.passages) == local

    # the rarest-term keys (more than EXACT_LIMIT units), a credited formula everywhere
    many = wire_corpus(9, docs=200)
    docs = sorted((Document(**r) for r in many), key=lambda d: d.id)
    analysis = analyze(docs)
    learned = _scan_templates(docs, analysis)
    whole = [(p.a, p.b) for p in analysis.pairs if p.jaccard >= NEAR_DUPLICATE]
    local = [p.to_dict() for p in find_passages(docs, templates=learned, whole_copies=whole)]
    plain = [p.to_dict() for p in find_passages(docs)]
    assert local != plain
    frame = _wire_frame(spark, many, 4)
    ours = passages(frame, templates=learned,
                    whole_copies=spark.createDataFrame(whole, "a string, b string"))
    assert ours.units > EXACT_LIMIT
    assert _passage_rows(ours.passages) == local
    # without learned templates: the loose matches of a sentence matched in more than
    # template_docs documents are dropped (here they change the answer)
    assert plain != [p.to_dict() for p in find_passages(docs,
                                                         PassageOptions(template_docs=10**6))]
    assert _passage_rows(passages(frame).passages) == plain


def test_pairs_equal_local_lsh_pairs(spark):
    from provenance.spark import pairs

    rows = planted_corpus(5)
    config = ScanConfig(matrix_limit=0, passages=False)
    found, _ = pairs(_frame(spark, rows), config)
    ours = sorted(({k: (round(v, 6) if isinstance(v, float) else v)
                    for k, v in r.asDict().items()} for r in found.collect()),
                  key=lambda p: (p["a"], p["b"]))
    local = sorted((p.to_dict() for p in analyze(_local_documents(rows), config).pairs),
                   key=lambda p: (p["a"], p["b"]))
    assert local and ours == local


def test_bad_rows_are_skipped_as_the_local_reader_skips_them(spark, tmp_path):
    from provenance.spark import dedup, read_input

    path = tmp_path / "feed.jsonl"
    text = "the quick brown fox jumps over the lazy dog near the bank of the river"
    lines = [json.dumps({"id": "a", "text": text}),
             '{"id": "broken", "text": "no end',
             json.dumps({"id": "n", "text": None}),
             json.dumps({"id": "big", "text": "word " * 3000}),
             json.dumps({"id": "a", "text": text + " again"}),
             json.dumps({"id": "a", "text": "a third text with the same id as two others"}),
             "",
             json.dumps({"text": "a row without an id, named by its line"}),
             json.dumps(["not", "an", "object"])]
    path.write_text("\n".join(lines) + "\n")
    inputs = read_input(spark, str(path), max_bytes=10_000, partitions=3)
    skipped = sorted((r["path"], r["reason"]) for r in inputs.skipped.collect())
    local = list(iter_read(path, max_bytes=10_000))
    assert skipped == sorted((s.path, s.reason) for s in local if not hasattr(s, "text"))
    assert len(skipped) == 4
    ids = sorted(r["id"] for r in inputs.documents.collect())
    assert ids == sorted(d.id for d in local if hasattr(d, "text"))
    assert ids == ["feed:8", "feed:a", "feed:a@feed.jsonl:5", "feed:a@feed.jsonl:6"]
    ours = _decisions(dedup(inputs).decisions)
    assert ours == _local_decisions(local_dedup(iter_read(path, max_bytes=10_000)))


def test_lines_are_numbered_within_each_input(spark, tmp_path):
    """Lines are numbered from 1 within each input, in file order: inputs that are one file
    read by one task (numbered as read, gzipped or not) and a folder of parts (numbered by a
    job counting each block's lines), side by side in one read."""
    import gzip

    from provenance.spark.inputs import _numbered_lines

    plain = tmp_path / "a.jsonl"
    plain.write_text("".join(f"a{k}\n" for k in range(1, 6)))
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as f:
        f.write("".join(f"b{k}\n" for k in range(1, 8)))
    parts = tmp_path / "parts"
    parts.mkdir()
    for n, (lo, hi) in enumerate(((1, 4), (4, 10)), start=1):
        (parts / f"part-{n}.jsonl").write_text("".join(f"c{k}\n" for k in range(lo, hi)))
    paths = [str(plain), str(tmp_path / "b.jsonl.gz")]
    for inputs in (paths, [*paths, str(parts)]):
        got = sorted((r["src"], r["line"], r["value"])
                     for r in _numbered_lines(spark, inputs).collect())
        want = sorted((src, k, f"{'abc'[src]}{k}") for src, n in ((0, 5), (1, 7), (2, 9))
                      for k in range(1, n + 1) if src < len(inputs))
        assert got == want


def test_run_dedup_writes_decisions_and_skipped(spark, tmp_path):
    from provenance.spark.commands import run_dedup

    path = tmp_path / "in.jsonl"
    rows = planted_corpus(2)[:40] + [{"id": "x", "text": None}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = run_dedup(str(path), str(tmp_path / "out"), master="local[2]")
    assert summary["skipped"] == 1 and summary["documents"] == 40
    written = [json.loads(line) for f in sorted((tmp_path / "out" / "decisions").glob("*.json"))
               for line in f.read_text().splitlines()]
    local = [d.to_dict() for d in local_dedup(iter_read(path)).decisions]
    assert written == local  # in input order, rounded as the local JSON
    assert summary["dropped"] == sum(not d["keep"] for d in local) > 0


def test_components_equal_networkx(spark):
    import networkx as nx

    from provenance.spark.components import components

    rng = random.Random(4)
    edges = [(f"n{rng.randrange(120):03d}", f"n{rng.randrange(120):03d}") for _ in range(110)]
    edges += [(f"c{k:02d}", f"c{k + 1:02d}") for k in range(30)]  # a long chain
    frame = spark.createDataFrame(edges, "a string, b string")
    got = {r["node"]: r["component"] for r in components(frame).collect()}
    graph = nx.Graph([(a, b) for a, b in edges if a != b])
    want = {n: min(c) for c in nx.connected_components(graph) for n in c}
    assert got == want


def test_holder_pairs_equal_a_plain_walk_across_batch_boundaries():
    """The band-key holders of a partition (sorted by key, then rank) pair up as the plain
    rule says -- every pair, or a star on the first above STAR_ABOVE holders -- also when a
    key's holders run over from one Arrow batch into the next."""
    import itertools

    import pyarrow as pa
    from pyspark.sql import types as T

    from provenance.dedup import STAR_ABOVE
    from provenance.spark.dedup import _pair_partition

    rng = random.Random(9)
    sizes = [1, 2, 3, 1, STAR_ABOVE, STAR_ABOVE + 1, 5, 1, 70, 2]
    rows = [(key, f"k{key}m{m:03d}") for key, size in enumerate(sizes) for m in range(size)]
    want = []
    for _, group in itertools.groupby(rows, key=lambda r: r[0]):
        ids = [i for _, i in group]
        if len(ids) > STAR_ABOVE:
            want += [(ids[0], other) for other in ids[1:]]
        else:
            want += list(itertools.combinations(ids, 2))
    schema = T.StructType([T.StructField("a", T.StringType()),
                           T.StructField("b", T.StringType())])
    for step in (1, 2, 7, 50, len(rows)):
        cut = sorted(set([0, len(rows)] + [rng.randrange(len(rows)) for _ in range(3)]
                         + list(range(0, len(rows), step))))
        batches = [pa.RecordBatch.from_pydict({
            "key": pa.array([k for k, _ in rows[lo:hi]], pa.int64()),
            "id": pa.array([i for _, i in rows[lo:hi]], pa.string())})
            for lo, hi in itertools.pairwise(cut)]
        got = [pair for batch in _pair_partition(iter(batches), schema)
               for pair in zip(batch.column("a").to_pylist(), batch.column("b").to_pylist(),
                               strict=True)]
        assert got == want


# --- reuse families ------------------------------------------------------------------------


def cascade_corpus() -> list[dict]:
    """A wire story (Reuters) and the outlets that ran it: two copy it (one from the other, with
    what that one added), one credits Reuters for a rewritten sentence, an undated one copies
    the lead, two quote the finance minister, and two of the outlets' own lines repeat."""
    w = ["The central bank raised its main interest rate by half a percentage point on Friday, "
         "the largest increase in eleven years.",
         "Governor Maria Lindqvist said inflation in the Nordic economy had climbed to seven "
         "percent in February, far above the target of two percent.",
         "Economists polled last week had expected a smaller move of a quarter point, and the "
         "krona jumped against the euro after the decision.",
         "The bank also cut its forecast for economic growth this year to 1.1 percent from 1.8 "
         "percent, citing weaker exports to Germany.",
         "Mortgage holders in Stockholm and Gothenburg face monthly payments about fifteen "
         "percent higher than a year ago, the bank estimated.",
         "Finance Minister Erik Dahl said: \u201cWe will not raise taxes on working families "
         "this year under any circumstances.\u201d"]
    added = ("Analysts at Nordbank called the move a clear signal that further hikes would "
             "follow in the spring.")
    quote = ("\u201cWe will not raise taxes on working families this year under any "
             "circumstances.\u201d")

    def own(tag: str) -> list[str]:
        return [f"{tag} reporters spoke with shop owners near the harbour about rising costs of "
                "coffee and bread.",
                f"The {tag} editorial board will publish a longer analysis of the housing market "
                "next week."]

    rows = [
        ("wire", "Reuters", "2024-03-01T08:00:00Z", w),
        ("post", "Daily Post", "2024-03-01T10:00:00Z", w[:3] + [added] + own("Post")),
        ("star", "Evening Star", "2024-03-01T12:00:00Z", own("Star")[:1] + w[:3] + [added]),
        ("city", "City News", "2024-03-02T09:00:00Z",
         own("City") + ["According to Reuters, the bank also lowered its forecast for economic "
                        "growth this year to 1.1 percent from 1.8 percent, citing weaker "
                        "exports to Germany."] + w[4:5]),
        ("metro", "Metro Herald", None, w[:2] + own("Metro")),
        ("radio", "Radio North", "2024-03-01T09:30:00Z",
         [f"Speaking to parliament, Finance Minister Erik Dahl said: {quote}"] + own("Radio")),
        ("blog", None, "2024-03-03T09:30:00Z",
         own("Blog") + [f"Erik Dahl, the finance minister, told lawmakers: {quote}"]),
    ]
    return [{"id": i, "text": " ".join(s), "outlet": o, "published": p} for i, o, p, s in rows]


def wire_run_corpus(copies: int = 36) -> list[dict]:
    """One wire story run by ``copies`` outlets (a near-duplicate cluster of more than
    COLLAPSE_AT documents, and more than STAR_ABOVE: LSH pairs its copies in stars), each copy
    with one word of its own; the earliest copy is not the smallest id, two undated copies are
    the longest; and two rewrites that take three of its sentences (passages with the
    representative, which scan expands to its copies)."""
    rng = random.Random(11)
    cons, vows = "bdfgklmnprstvz", "aeiou"

    def word() -> str:
        return "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(2, 3)))

    def prose() -> str:
        return " ".join(word() for _ in range(rng.randint(12, 18))).capitalize() + "."

    story = [prose() for _ in range(12)]
    rows = []
    for k in range(copies):
        words = " ".join(story).split(" ")
        words[rng.randrange(len(words))] = word()
        published = None if k in (3, 20) else \
            f"2024-05-{2 + k % 9:02d}T{6 + k % 12:02d}:00:00Z"
        if k == 7:
            published = "2024-05-01T05:00:00Z"  # the earliest: the representative
        extra = " More to follow." if published is None else ""
        rows.append({"id": f"run{k:02d}", "text": " ".join(words) + extra,
                     "outlet": f"Paper {k}", "published": published})
    for j in range(2):
        own = [prose() for _ in range(5)]
        rows.append({"id": f"rewrite{j}", "text": " ".join(own[:2] + story[2 + j:5 + j] + own[2:]),
                     "outlet": f"Weekly {j}", "published": f"2024-05-0{3 + j}T09:00:00Z"})
    return rows


def _local_families(docs, found=None):
    """The local engine's families and outlet flows: ``build_families`` over
    ``find_passages``' passages, each document's attributions and date."""
    from provenance.text.sentences import sentences
    from provenance.trace.attribution import attributions
    from provenance.trace.dates import date_info
    from provenance.trace.families import build_families, outlet_flows

    docs = sorted(docs, key=lambda d: d.id)
    atts, dates = [], {}
    for d in docs:
        sents = sentences(d.text, d.id)
        atts += attributions(d, sents)
        dates[d.id] = date_info(d.published, list(sents))
    fams = build_families(docs, find_passages(docs) if found is None else found, atts, dates)
    return [f.to_dict() for f in fams], [f.to_dict() for f in outlet_flows(fams)]


def test_trace_writes_families_equal_to_local_on_the_seeds_and_a_cascade(spark, tmp_path):
    """``run_trace`` (``trace --engine spark``) gives ``scan``'s passages, families, outlet
    flows and churnalism shares -- the templates it learns, its whole copies, the sites'
    clutter and its collapsed near-duplicate clusters included -- on the seeds, a wire
    cascade, the wire corpus, where the templates change the families, web pages, where the
    clutter changes the passages, and a wire story run by 36 outlets, which takes part through
    its earliest copy alone."""
    from provenance.documents import Document
    from provenance.spark.commands import run_trace

    path = tmp_path / "feed.jsonl"
    seeds = [{"id": d.id, "text": d.text} for d in read(ROOT / "seeds").documents]
    path.write_text("".join(json.dumps(r) + "\n"
                            for r in seeds + cascade_corpus() + wire_corpus() + web_corpus()
                            + wire_run_corpus()),
                    encoding="utf-8")
    summary = run_trace(str(path), str(tmp_path / "out"), master="local[2]")
    lines = {part: [json.loads(line) for f in sorted((tmp_path / "out" / part).glob("*.json"))
                    for line in f.read_text(encoding="utf-8").splitlines()]
             for part in ("passages", "families", "outlet_flows", "churnalism")}
    analysis = analyze(read(path), ScanConfig(matrix_limit=0))  # pairs by LSH, as on Spark
    assert analysis.templates and summary["templates"] == len(analysis.templates)
    assert lines["passages"] == [p.to_dict() for p in analysis.passages]
    families = [f.to_dict() for f in analysis.families]
    flows = [f.to_dict() for f in analysis.outlet_flows]
    assert lines["families"] == families  # value for value, in id order f1, f2, ...
    assert lines["outlet_flows"] == flows
    assert summary["families"] == len(families) and summary["outlet_flows"] == len(flows)
    churn = [{**c.to_dict(), "sources": [{"source": src, "share": v} for src, v in
                                         c.to_dict()["sources"]]} for c in analysis.churnalism]
    assert lines["churnalism"] == churn  # every document, by id
    assert sum(c["share"] > 0.9 for c in churn) >= 35  # the wire run's copies, at least
    assert families != _local_families(read(path).documents)[0]  # the templates count
    siteless = analyze([Document(id=d.id, text=d.text, published=d.published)
                        for d in read(path).documents])
    assert [p.to_dict() for p in siteless.passages] != lines["passages"]  # the clutter counts
    by_origin = {f["origin"]["kind"] for f in families}
    assert {"document", "speaker", "source"} <= by_origin  # cascade and seeds both traced
    relations = {(m["doc"], m["relation"], m["parent"]) for f in families
                 for m in f["members"]}
    assert ("feed:star", "copied", "feed:post") in relations  # the copy of a copy
    assert ("feed:city", "credited", "feed:wire") in relations
    # the wire run: its copies are in no passage, and come back in the families through
    # run07, the earliest (not run00, the smallest id; not the longest, undated ones)
    assert summary["copies"] == 35
    assert not {r["a"] for r in lines["passages"]} & {f"feed:run{k:02d}" for k in range(36)
                                                       if k != 7}
    run = [f for f in families if any(m["doc"] == "feed:run00" for m in f["members"])]
    assert sorted(f["size"] for f in run) == [36, 38]  # the cluster; it and the rewrites
    assert all(any("a near-duplicate of feed:run07" in r for r in m["reasons"])
               for f in run for m in f["members"] if m["doc"] == "feed:run00")


def test_families_with_2000_members_and_pieces_that_are_not_one_family(spark):
    """2,000 copies of a wire sentence (a family above TREE_LIMIT, one task), and occurrences of
    one document that overlap too little to merge (one group on Spark, two families): as
    ``build_families`` gives them from the same passages."""
    from provenance.documents import Document
    from provenance.passages.finder import Passage
    from provenance.spark.families import families
    from provenance.spark.passages import PASSAGE_COLUMNS

    lead = ("The mining company said on Tuesday it would close three pits in the north and cut "
            "nine hundred jobs by the end of the year.")
    rows = [{"id": "a-wire", "text": lead, "outlet": "Wire", "published": "2023-05-02T06:00Z"}]
    found = []
    for k in range(2000):
        intro = f"Edition {k} of the regional digest."
        rows.append({"id": f"c{k:04d}", "text": f"{intro} {lead} More at eleven.",
                     "outlet": f"Outlet {k % 40}",
                     "published": None if k % 7 == 0 else f"2023-05-{2 + k % 20:02d}T12:00Z"})
        s = len(intro) + 1
        found.append(Passage("a-wire", f"c{k:04d}", 0, len(lead), s, s + len(lead), lead, lead,
                             1.0, "verbatim", False, None))
    x = " ".join(f"word{i}" for i in range(60))  # 60 words of 5-6 characters
    rows += [{"id": "x", "text": x, "outlet": None, "published": None},
             {"id": "y", "text": x[:100], "outlet": None, "published": "2023-01-01T00:00Z"},
             {"id": "z", "text": x[90:200], "outlet": None, "published": "2023-01-02T00:00Z"},
             {"id": "zz", "text": x[200:300], "outlet": None, "published": None}]
    found += [Passage("x", "y", 0, 100, 0, 100, x[:100], x[:100], 1.0, "verbatim", False, None),
              Passage("x", "z", 90, 200, 0, 110, x[90:200], x[90:200], 1.0, "verbatim", False,
                      None),  # overlaps x's first occurrence by 10 characters: apart
              Passage("x", "zz", 200, 300, 0, 100, x[200:300], x[200:300], 1.0, "verbatim",
                      False, None)]  # touches the one before: apart
    docs = [Document(**r) for r in rows]
    frame = spark.createDataFrame([tuple(r.values()) for r in rows],
                                  "id string, text string, outlet string, published string")
    passages = spark.createDataFrame([tuple(p.to_dict()[c] for c in PASSAGE_COLUMNS)
                                      for p in found],
                                     "a string, b string, a_start long, a_end long, "
                                     "b_start long, b_end long, a_text string, b_text string, "
                                     "score double, kind string, quoted boolean, quote string")
    got = families(frame, passages=passages.repartition(4))
    local, flows = _local_families(docs, found)
    ours = [r.asDict(recursive=True) for r in got.families.collect()]
    assert [f["size"] for f in local] == [2001, 2, 2, 2]
    assert ours == local
    assert [r.asDict() for r in got.outlet_flows.collect()] == flows
