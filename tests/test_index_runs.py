"""The SQLite index's key runs (``provenance/stores/sqlite.py``) against a plain reference: the
candidates a query gets equal those computed from the stored documents one by one, through adds
of every size, merges, replacements, removals and compaction."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from provenance import Document
from provenance.index import Index
from provenance.stores import sqlite as S

WORDS = [f"t{i}q" for i in range(40)]  # few words: sentences share keys, keys span blocks


def article(rng: random.Random, i: int, prefix: str = "d") -> Document:
    sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + "."
                 for _ in range(rng.randint(1, 8))]
    return Document(f"{prefix}{i}", " ".join(sentences))


def edited(rng: random.Random, doc: Document, id_: str) -> Document:
    words = doc.text.split(" ")
    for _ in range(2):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return Document(id_, " ".join(words))


def reference(ix: Index, ids: list[str], query: Document, min_shared: int, common: int):
    """near / shared / signature ids computed from every stored document, one at a time."""
    q = ix.batch_of([query])
    q_bands, q_sents = set(q.band_keys(0).tolist()), set(q.sentence_keys(0).tolist())
    stored = ix.batch_of([ix.get(i) for i in ids])
    bands = {i: set(stored.band_keys(d).tolist()) for d, i in enumerate(ids)}
    sents = {i: set(stored.sentence_keys(d).tolist()) & q_sents for d, i in enumerate(ids)}
    holders = Counter(k for keys in sents.values() for k in keys)
    near = {i for i in ids if bands[i] & q_bands}
    shared = {i: n for i in ids
              if (n := sum(holders[k] <= common for k in sents[i])) >= min_shared}
    return near, shared


def candidates(ix: Index, query: Document, min_shared: int):
    q = ix.batch_of([query])
    near, shared, sigs = ix.store.candidates(q.band_keys(0), q.sentence_keys(0), min_shared)
    assert set(sigs) == near | set(shared)
    stored = ix.batch_of([ix.get(i) for i in sigs])
    for d, i in enumerate(stored.ids):
        assert sigs[i] == stored.signatures[d].tobytes()
    return near, shared


@pytest.fixture(params=[0, 24, 10**9], ids=["blocks", "mixed", "whole"])
def tiny_runs(monkeypatch, request):
    """Blocks of 4 entries, levels from 8 entries, merges of 2 runs: every code path of the
    runs (keys across blocks, merges of merges) is taken by a few dozen documents. Runs are
    read by blocks, whole (small runs kept in memory), or each as its size says."""
    monkeypatch.setattr(S, "SMALL_RUN", request.param)
    monkeypatch.setattr(S, "BLOCK", 4)
    monkeypatch.setattr(S, "BASE", 8)
    monkeypatch.setattr(S, "FANOUT", 2)
    return monkeypatch


@pytest.mark.slow
def test_runs_give_the_candidates_of_the_plain_reference(tmp_path, tiny_runs):
    rng = random.Random(7)
    originals = [article(rng, i) for i in range(60)]
    copies = [edited(rng, originals[i], f"c{i}") for i in range(0, 60, 3)]
    pool = originals + copies
    rng.shuffle(pool)
    live: dict[str, Document] = {}
    with Index(str(tmp_path / "ix.db")) as ix:
        at = 0
        for size in (1, 1, 2, 5, 1, 9, 3, 1, 17, 2, 4, 1, 13, 7, 1, 12):  # adds of every size
            batch = pool[at : at + size]
            at += size
            ix.add(batch)
            live.update((d.id, d) for d in batch)
        assert at == len(pool)
        # replacements and removals leave stale entries in the runs
        changed = [edited(rng, live[i], i) for i in sorted(live)[:10]]
        ix.add(changed)
        live.update((d.id, d) for d in changed)
        gone = sorted(live)[20:30]
        assert sorted(ix.remove(gone)) == gone
        for i in gone:
            del live[i]
        stats = ix.stats()
        assert stats["removed_awaiting_merge"] > 0
        # each level keeps fewer than FANOUT runs
        assert stats["runs"] <= (S.FANOUT - 1) * (S.level_of(stats["key_entries"]) + 1)
        queries = [edited(rng, originals[i], f"q{i}") for i in range(0, 60, 6)]
        queries += [article(rng, i, "new") for i in range(5)]
        ids = sorted(live)
        tiny_runs.setattr(S, "COMMON_KEY", 10**9)  # stale entries count: no common keys yet
        for q in queries:
            for min_shared in (1, 2):
                assert candidates(ix, q, min_shared) == reference(ix, ids, q, min_shared, 10**9)
        ix.compact()
        stats = ix.stats()
        assert stats["runs"] == 1 and stats["removed_awaiting_merge"] == 0
        assert stats["key_entries"] == sum(
            len(b.band_keys(0)) + len(b.sentence_keys(0))
            for b in (ix.batch_of([live[i]]) for i in ids))
        for common in (3, 10, 10**9):  # keys in more documents are left out
            tiny_runs.setattr(S, "COMMON_KEY", common)
            for q in queries:
                assert candidates(ix, q, 1) == reference(ix, ids, q, 1, common)
        # a stored document finds itself, sharing every band key
        for i in ids[:5]:
            near, _ = candidates(ix, live[i], 1)
            assert i in near


def test_removed_documents_are_never_answered(tmp_path, tiny_runs):
    rng = random.Random(3)
    docs = [article(rng, i) for i in range(40)]
    with Index(str(tmp_path / "ix.db")) as ix:
        for s in range(0, 40, 5):
            ix.add(docs[s : s + 5])
        ix.remove([d.id for d in docs[:20]])
        for d in docs:
            answer = {m.id for m in ix.query(d, threshold=0.0, k=50)}
            assert not answer & {x.id for x in docs[:20]}
        ix.add(docs[:20])  # the same ids again: new rows, the old entries stay stale
        hits = {m.id for m in ix.query(Document("probe", docs[0].text), k=50)}
        assert docs[0].id in hits and len(ix) == 40


def test_rows_never_reused(tmp_path):
    """Document rows come from meta.next_doc: removing the newest document and adding another
    does not give the new one the old row (its stale entries would point at it)."""
    with Index(str(tmp_path / "ix.db")) as ix:
        ix.add([Document("a", "alpha beta gamma delta epsilon zeta. " * 3)])
        ix.remove(["a"])
        ix.add([Document("b", "one two three four five six seven. " * 3)])
        rows = ix.store.db.execute("SELECT rowid FROM docs").fetchall()
        assert rows == [(2,)]
        assert ix.query("alpha beta gamma delta epsilon zeta. " * 3, threshold=0.0) == []


def test_level_of_and_sorted_entries():
    assert S.level_of(0) == 0 and S.level_of(S.BASE * S.FANOUT - 1) == 0
    assert S.level_of(S.BASE * S.FANOUT) == 1 and S.level_of(S.BASE * S.FANOUT**3) == 3
    keys = np.array([5, 3, 5, 3, 9], dtype=np.uint64)
    docs = np.array([2, 1, 2, 0, 4], dtype=np.uint32)
    k, d = S.sort_entries(keys, docs)
    assert k.tolist() == [3, 3, 5, 9] and d.tolist() == [0, 1, 2, 4]
    fence = np.array([1, 4, 4, 9], dtype=np.uint64)  # blocks 1 and 2 start with key 4
    first, last = S.block_ranges(fence, np.array([0, 1, 4, 5, 20], dtype=np.uint64))
    assert first.tolist() == [0, 0, 0, 2, 3] and last.tolist() == [-1, 0, 2, 2, 3]



def test_sorted_hits_equal_the_plain_reference():
    rng = np.random.default_rng(7)
    for _ in range(300):
        # a few ascending stretches (blocks of several runs), keys repeated within them
        stretches = [np.sort(rng.integers(0, rng.integers(1, 60), rng.integers(0, 40)))
                     for _ in range(rng.integers(0, 5))]
        keys = (np.concatenate(stretches) if stretches else np.zeros(0)).astype(np.uint64)
        look = np.unique(rng.integers(0, 70, rng.integers(0, 12))).astype(np.uint64)
        got = S.sorted_hits(keys, look)
        assert got.tolist() == S.sorted_hits_reference(keys, look).tolist()
    assert S.sorted_hits(np.array([9, 2, 2, 7, 1], dtype=np.uint64),
                         np.array([2, 9], dtype=np.uint64)).tolist() == [0, 1, 2]

@pytest.mark.slow
def test_replacing_the_same_documents_for_years_keeps_dead_rows_few(tmp_path, tiny_runs):
    rng = random.Random(11)
    with Index(str(tmp_path / "ix.db")) as ix:
        ix.add([article(rng, i) for i in range(30)])
        for _ in range(200):  # five articles updated again and again
            ix.add([article(rng, i) for i in range(5)])
        stats = ix.stats()
        assert len(ix) == 30
        # 1,000 replacements; the dead rows a run still covers are a handful
        assert stats["removed_awaiting_merge"] <= 60, stats
        q = article(rng, 0, "q")
        ids = sorted(ix.store.db.execute("SELECT id FROM docs").fetchall())
        tiny_runs.setattr(S, "COMMON_KEY", 10**9)
        assert candidates(ix, q, 1) == reference(ix, [i for (i,) in ids], q, 1, 10**9)


def test_redis_candidates_equal_the_plain_reference(redis_server):
    """The Redis store's one-script candidates against the same reference."""
    from tests.test_index import redis_url

    rng = random.Random(11)
    originals = [article(rng, i) for i in range(40)]
    pool = originals + [edited(rng, originals[i], f"c{i}") for i in range(0, 40, 4)]
    with Index(redis_url(redis_server)) as ix:
        for start in range(0, len(pool), 7):
            ix.add(pool[start : start + 7])
        ix.remove([d.id for d in pool[:5]])
        ids = sorted(d.id for d in pool[5:])
        queries = [edited(rng, originals[i], f"q{i}") for i in range(0, 40, 5)]
        for common in (3, 10**9):
            for q in queries:
                for min_shared in (1, 2):
                    import provenance.stores.redis as R

                    kept = R.COMMON_KEY
                    R.COMMON_KEY = common
                    try:
                        got = candidates(ix, q, min_shared)
                    finally:
                        R.COMMON_KEY = kept
                    assert got == reference(ix, ids, q, min_shared, common)
