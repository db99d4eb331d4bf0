from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import Document
from provenance.dedup import Decision, DedupOptions, decide, dedup
from provenance.errors import InputError, ProvenanceError
from provenance.options import MinHashOptions
from provenance.similarity.candidates import colliding_pairs
from provenance_cli.main import cli
from tests.builders import VOCAB, edit_words, random_text


def corpus() -> list[Document]:
    rng = random.Random(7)
    a = random_text(rng)
    shorter = " ".join(a.split()[:-3])  # fewer shingles: ranked after the full text
    docs = [Document("a", a), Document("a-copy", a),
            Document("a-edit", edit_words(shorter, rng, 1)),
            Document("other", random_text(rng)), Document("punct", "... -- !!"),
            Document("short", "just three words")]
    docs += [Document(f"u{i}", random_text(rng)) for i in range(20)]
    return docs


def by_id(result):
    return {d.id: d for d in result.decisions}


def test_near_duplicates_are_dropped_into_one_cluster():
    result = dedup(corpus())
    got = by_id(result)
    assert len(result.decisions) == 26 and result.kept == 24 and result.clusters == 1
    cluster = {got[k].cluster for k in ("a", "a-copy", "a-edit")}
    assert len(cluster) == 1
    [rep] = cluster
    assert got[rep].keep and sum(got[k].keep for k in ("a", "a-copy", "a-edit")) == 1
    assert all(got[k].similarity >= 0.8 for k in ("a", "a-copy", "a-edit"))
    # the longer text represents; identical texts tie on date, length and content: the id decides
    assert rep == "a" and got["a"].keep
    assert got["punct"].keep and got["punct"].shingles == 0  # no words: kept, compared with nothing
    assert got["short"].keep and got["short"].shingles == 1  # shorter than a shingle: one shingle


def test_decisions_do_not_depend_on_the_input_order():
    docs = corpus()
    first = {d.id: d.to_dict() for d in dedup(docs).decisions}
    for seed in range(3):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        result = dedup(shuffled, DedupOptions(batch=5))
        assert [d.id for d in result.decisions] == [d.id for d in shuffled]  # input order
        assert {d.id: d.to_dict() for d in result.decisions} == first


def test_the_earliest_published_is_the_representative():
    rng = random.Random(3)
    base = random_text(rng)
    docs = [Document("late", base, published="2023-03-02T10:00:00Z"),
            Document("early", base, published="2023-03-01T10:00:00Z"),
            Document("undated", base)]
    got = by_id(dedup(docs))
    assert got["early"].keep and got["late"].cluster == got["undated"].cluster == "early"


def test_engines_give_the_same_decisions():
    docs = corpus()
    def decisions(engine):
        options = DedupOptions(minhash=MinHashOptions(engine=engine))
        return [d.to_dict() for d in dedup(docs, options).decisions]

    numpy, numba = decisions("numpy"), decisions("numba")
    assert numpy == numba


def test_a_chain_is_not_one_cluster():
    # A~B (0.91) and B~C (0.91) but A!~C (0.81 < 0.85): B joins A; C stays its own
    # representative and names A's cluster as a near one.
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2**32 - 1, 128, dtype=np.uint32)
    b = a.copy()
    b[:12] += 1
    c = b.copy()
    c[12:24] += 1
    signatures = np.stack([a, b, c])
    options = DedupOptions(threshold=0.85)
    decisions, candidates, pairs = decide(["A", "B", "C"], signatures, np.array([300, 200, 100]),
                                          ["", "", ""], options)
    got = {d.id: d for d in decisions}
    assert pairs == 2 and candidates >= 2
    assert got["A"].keep and not got["B"].keep and got["B"].cluster == "A"
    assert got["C"].keep and got["C"].cluster == "C" and got["C"].near_clusters == ("A",)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=40), st.integers(2, 8))
def test_colliding_pairs_equal_brute_force(keys, star_above):
    keys_arr = np.array(keys, dtype=np.uint64)
    owners = np.arange(len(keys)) // 2  # two keys per owner
    n = max(1, int(owners.max()) + 1) if len(keys) else 1
    want = set()
    groups = {}
    for k, o in zip(keys, owners.tolist(), strict=True):
        groups.setdefault(k, set()).add(o)
    for members in groups.values():
        want |= {(i, j) for i, j in itertools.combinations(sorted(members), 2)}
    got = colliding_pairs(keys_arr, owners, n)
    assert {tuple(r) for r in got.tolist()} == want
    star = {tuple(r) for r in colliding_pairs(keys_arr, owners, n, star_above=star_above).tolist()}
    assert star <= want
    for members in groups.values():  # a big group pairs with its first member only
        if len(members) > star_above:
            first = min(members)
            assert all((first, m) in star for m in members if m != first)


def test_dedup_cli(tmp_path):
    rng = random.Random(5)
    base = random_text(rng)
    shorter = " ".join(base.split()[:-3])
    lines = [{"id": "x", "text": base}, {"id": "y", "text": edit_words(shorter, rng, 1)},
             {"id": "z", "text": random_text(rng)}, {"id": "e", "text": ""}]
    stdin = "".join(json.dumps(r) + "\n" for r in lines) + "{not json\n"
    result = CliRunner().invoke(cli, ["dedup", "-", "--skipped", str(tmp_path / "sk.jsonl")],
                                input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["x", "y", "z"]
    assert {r["id"]: r["keep"] for r in rows} == {"x": True, "y": False, "z": True}
    assert rows[1]["representative"] == rows[1]["cluster"] == "x"
    assert "keep 2, drop 1 in 1 group of near-duplicates" in result.stderr
    skipped = [json.loads(line) for line in (tmp_path / "sk.jsonl").read_text().splitlines()]
    assert [s["path"] for s in skipped] == ["<stdin>:4", "<stdin>:5"]
    dropped = CliRunner().invoke(cli, ["dedup", "-", "--dropped-only", "-f", "csv", "-q"],
                                 input=stdin)
    assert dropped.stdout.splitlines()[1].startswith("y,false,x,x,")
    empty = CliRunner().invoke(cli, ["dedup", "-"], input="{not json\n")
    assert empty.exit_code == 1 and "no readable documents" in empty.stderr


def _sets(texts, n=5):
    from provenance.signatures import prepare, shingle_sets
    from provenance.signatures.text_bytes import pack

    buf, offsets = pack([prepare(t) for t in texts])
    return shingle_sets(buf, offsets[:-1], offsets[1:], n, "numpy")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.sampled_from(VOCAB[:12]), min_size=0, max_size=14), max_size=9),
       st.sampled_from([0.3, 0.5, 0.8, 1.0]))
def test_exact_pairs_equal_brute_force(word_lists, threshold):
    from provenance.dedup import exact_pairs
    from provenance.signatures import set_jaccard

    hashes, offsets, sizes = _sets([" ".join(w) for w in word_lists], n=2)
    found, sims = exact_pairs(hashes, offsets, sizes, threshold)
    n = len(word_lists)
    i, j = np.triu_indices(n, k=1)
    every = set_jaccard(hashes, offsets, sizes, i, j, "numpy")
    want = {(a, b): s for a, b, s in zip(i.tolist(), j.tolist(), every.tolist(), strict=True)
            if s >= threshold}
    assert {tuple(p): s for p, s in zip(found.tolist(), sims.tolist(), strict=True)} == want


def test_exact_decisions_rest_on_exact_jaccard():
    # b is at exact Jaccard 0.67 with a, c at 0.88: at 0.8 only c joins a (a, with more
    # shingles, represents)
    rng = random.Random(11)
    words = random_text(rng, 420).split()
    a = " ".join(words)
    b = " ".join(words[:330] + [f"x{k}" for k in range(70)])
    c = " ".join(words[:385] + [f"y{k}" for k in range(15)])
    docs = [Document("a", a), Document("b", b), Document("c", c),
            Document("u", random_text(rng, 400))]
    hashes, offsets, sizes = _sets([a, b, c])
    from provenance.signatures import set_jaccard

    ab, ac = set_jaccard(hashes, offsets, sizes, np.array([0, 0]), np.array([1, 2]), "numpy")
    assert ab < 0.8 <= ac
    for engine in ("numpy", "numba"):
        options = DedupOptions(minhash=MinHashOptions(engine=engine))
        got = by_id(dedup(docs, options))
        assert got["a"].keep and got["b"].keep and got["u"].keep
        assert not got["c"].keep and got["c"].cluster == "a"
        assert abs(got["c"].similarity - ac) < 1e-12
    estimate = dedup(docs, DedupOptions(exact=False))
    assert len(estimate.decisions) == 4


@pytest.mark.parametrize("memory", [0, 3500])
def test_exact_checks_read_back_blocks_within_the_budget(monkeypatch, memory):
    # one document pair per block, the bytes in memory, on disk or both (batches of 5): the
    # same decisions as one block in memory
    import provenance.dedup as dedup_module

    docs = corpus()
    whole = [d.to_dict() for d in dedup(docs).decisions]
    monkeypatch.setattr(dedup_module, "SPILL_MEMORY", memory)
    original = dedup_module.exact_verifier

    def tiny(*args, **kwargs):
        return original(*args, **{**kwargs, "budget": 1})

    monkeypatch.setattr(dedup_module, "exact_verifier", tiny)
    assert [d.to_dict() for d in dedup(docs, DedupOptions(batch=5)).decisions] == whole


def test_an_unwritable_spill_folder_is_one_clear_error(monkeypatch, tmp_path):
    import tempfile

    import provenance.dedup as dedup_module
    from provenance.errors import ProvenanceError

    monkeypatch.setattr(dedup_module, "SPILL_MEMORY", 0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with pytest.raises(ProvenanceError, match="TMPDIR") as info:
        dedup(corpus())
    assert "--estimate" in str(info.value)
    assert len(dedup(corpus(), DedupOptions(exact=False)).decisions) == 26


_ids = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(
    Decision, _ids, st.booleans(), _ids,
    st.one_of(st.floats(0, 1), st.just(1 / 3), st.just(float("nan")), st.just(float("inf"))),
    st.integers(0, 10**12), st.lists(_ids, max_size=3).map(tuple),
    st.one_of(st.none(), _ids)), max_size=8))
def test_decisions_jsonl_equals_one_json_line_per_decision(decisions):
    from provenance.render import json as render_json

    expected = "".join(render_json.line(d.to_dict(), sort_keys=False) for d in decisions)
    assert render_json.decisions_jsonl(decisions) == expected


# --- reading in a second process -------------------------------------------------------------

def fork_only(test):
    """Linux only (the reading process is forked), and run first (the ``fork`` mark: see
    conftest), while no other thread runs."""
    linux = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux",
                               reason="the reading process is forked (Linux)")
    return pytest.mark.fork(linux(test))


def _mixed():
    """Documents with skipped inputs among them and after them, and a legacy encoding."""
    from provenance.documents import Skipped

    docs = corpus()
    items = [Skipped("first.txt", "bad"), *docs[:7],
             Document("legacy", docs[8].text, path="old.txt", encoding="cp1252"),
             Skipped("middle.txt", "bad"), *docs[9:], Skipped("last.txt", "bad")]
    return items


def _run(items, options, separate):
    import threading

    from provenance.dedup import PreparedBatches, dedup_prepared

    if separate:  # the fork tests run first (conftest), so no other thread may run yet
        assert threading.active_count() == 1, "another thread runs: the fork tests ran late"
    with PreparedBatches(iter(items), options, separate_process=separate) as batches:
        assert batches.separate == separate
        return dedup_prepared(batches, options)


@fork_only
@pytest.mark.parametrize("batch", [1, 5, 8192])
def test_a_reading_process_gives_the_same_decisions(batch):
    options = DedupOptions(batch=batch)
    here, apart = _run(_mixed(), options, False), _run(_mixed(), options, True)
    assert [d.to_dict() for d in apart.decisions] == [d.to_dict() for d in here.decisions]
    assert apart.skipped == here.skipped and len(apart.skipped) == 3
    assert apart.legacy == here.legacy == (Document("legacy", "", path="old.txt",
                                                    encoding="cp1252"),)
    assert [d.to_dict() for d in here.decisions] == [d.to_dict() for d in
                                                     dedup(_mixed(), options).decisions]


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


@fork_only
@pytest.mark.parametrize("error, expected", [
    (InputError("feed.jsonl: no such file or folder; check the path"), InputError),
    (_Unpicklable("odd"), ProvenanceError)])
def test_an_error_while_reading_apart_is_raised_here(error, expected):
    def items():
        yield from corpus()[:4]
        raise error

    with pytest.raises(expected) as info:
        _run(items(), DedupOptions(batch=2), True)
    assert ("feed.jsonl" in str(info.value)) if expected is InputError else \
        "_Unpicklable: odd" in str(info.value)


@fork_only
def test_a_reading_process_that_dies_is_one_clear_error():
    def items():
        yield from corpus()[:4]
        os.kill(os.getpid(), signal.SIGKILL)  # runs in the reading process

    with pytest.raises(ProvenanceError, match="killed by signal 9.*--threads 1"):
        _run(items(), DedupOptions(batch=2), True)


@fork_only
def test_leaving_early_stops_and_reaps_the_reading_process():
    from provenance.dedup import PreparedBatches

    def endless():
        while True:
            yield from corpus()

    with PreparedBatches(endless(), DedupOptions(batch=3), separate_process=True) as batches:
        first = next(iter(batches))
        assert len(first.ids) == 3
        child = batches._child
    assert child.status is not None  # reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)


def test_threads_must_be_a_whole_number():
    from provenance.errors import ConfigError

    with pytest.raises(ConfigError, match="threads 0 must be a whole number"):
        DedupOptions(threads=0)
    result = dedup(corpus(), DedupOptions(threads=1))
    assert [d.to_dict() for d in result.decisions] == [d.to_dict() for d in
                                                       dedup(corpus()).decisions]


def test_dedup_cli_threads(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in corpus()))
    runs = [CliRunner().invoke(cli, ["dedup", str(path), "-q", *extra])
            for extra in ([], ["--threads", "1"], ["--threads", "2"])]
    assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert len(runs[0].stdout.splitlines()) == 26
    bad = CliRunner().invoke(cli, ["dedup", str(path), "--threads", "0"])
    assert bad.exit_code == 2 and "--threads" in bad.output
