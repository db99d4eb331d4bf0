from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance import ConfigError, Document, InputError, ScanConfig, analyze, read
from provenance.render.json import to_json
from provenance.similarity.candidates import candidate_pairs, lsh_params
from provenance.similarity.pairs import Pair, clusters
from provenance.text.sentences import tokenize
from tests.builders import stories_with_copies


def word_shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = [t.norm for t in tokenize(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_exact_scores_match_python_sets():
    docs = stories_with_copies(n_stories=4, copies=3)
    analysis = analyze(docs, ScanConfig(min_score=0.0))
    text = {d.id: d.text for d in docs}
    assert len(analysis.pairs) == 4 * 3  # copies of one story share shingles, others none
    for p in analysis.pairs:
        a, b = word_shingles(text[p.a], 5), word_shingles(text[p.b], 5)
        assert p.a < p.b
        assert p.jaccard == pytest.approx(len(a & b) / len(a | b))
        assert p.containment_a_in_b == pytest.approx(len(a & b) / len(a))
        assert p.containment_b_in_a == pytest.approx(len(a & b) / len(b))
        assert abs(p.jaccard_estimate - p.jaccard) < 0.2


def test_lsh_mode_finds_the_near_duplicates_the_matrix_finds():
    docs = stories_with_copies()
    exact = analyze(docs, ScanConfig(threshold=0.5))
    banded = analyze(docs, ScanConfig(threshold=0.5, matrix_limit=0))
    assert exact.matrix is not None and banded.matrix is None
    strong = {(p.a, p.b) for p in exact.pairs if p.jaccard >= 0.6}
    assert len(strong) == 30 * 3
    assert strong <= {(p.a, p.b) for p in banded.pairs}
    assert exact.clusters == banded.clusters
    assert len(exact.clusters) == 30
    assert all(len(c) == 3 and c[0].split("-")[0] == c[2].split("-")[0] for c in exact.clusters)


def test_candidate_pairs_skip_empty_documents_and_are_unique():
    sig = np.full((4, 16), 0xFFFFFFFF, dtype=np.uint32)
    sig[2] = sig[3] = np.arange(16, dtype=np.uint32)
    assert candidate_pairs(sig, 4, 4).tolist() == [[2, 3]]


def test_lsh_params_match_datasketch():
    from datasketch.lsh import _optimal_param

    for threshold in (0.3, 0.5, 0.8, 0.9):
        assert lsh_params(threshold, 128) == _optimal_param(threshold, 128, 0.5, 0.5)
        assert lsh_params(threshold, 128, 0.1, 0.9) == _optimal_param(threshold, 128, 0.1, 0.9)


def test_clusters_are_transitive_and_sorted():
    def pair(a, b, j):
        return Pair(a, b, j, j, j, j)

    pairs = [pair("a", "b", 0.9), pair("b", "c", 0.8), pair("a", "c", 0.1), pair("x", "y", 0.4)]
    assert clusters(list("abcxyz"), pairs, 0.5) == [["a", "b", "c"]]
    assert clusters(list("abcxyz"), pairs, 0.3) == [["a", "b", "c"], ["x", "y"]]


def test_matrix_is_symmetric_with_unit_diagonal(seeds_dir):
    analysis = analyze(read(seeds_dir))
    values = analysis.matrix.jaccard()
    np.testing.assert_allclose(values, values.T)
    np.testing.assert_array_equal(np.diag(values), np.ones(5))
    contained = analysis.matrix.containment()
    assert (contained >= values - 1e-12).all()


def test_seeds_rank_000_001_first(seeds_dir):
    for shingle in ("word:5", "word:3", "char:5"):
        analysis = analyze(read(seeds_dir), ScanConfig(shingle=shingle))
        top = analysis.pairs[0]
        assert (top.a[:3], top.b[:3]) == ("000", "001"), shingle


def test_json_is_byte_identical_whatever_the_input_order(seeds_dir):
    corpus = read(seeds_dir)
    one = to_json(analyze(corpus))
    two = to_json(analyze(list(reversed(corpus.documents))))
    assert one == two
    data = json.loads(one)
    assert set(data) >= {"version", "config", "documents", "pairs", "clusters", "skipped"}
    assert set(data["documents"][0]) >= {"id", "path", "outlet", "published", "title", "chars",
                                         "sentences"}
    assert set(data["pairs"][0]) == {"a", "b", "jaccard", "jaccard_estimate",
                                     "containment_a_in_b", "containment_b_in_a"}


def test_identical_documents_form_a_cluster_and_empty_ones_do_not():
    text = "The same wire story, run twice by two outlets without a change. " * 3
    docs = [Document("a", text), Document("b", text), Document("e1", "Share This Article"),
            Document("e2", "Share This Article")]
    analysis = analyze(docs, ScanConfig())
    assert analysis.clusters == (("a", "b"),)
    top = analysis.pairs[0]
    assert (top.a, top.b, top.jaccard, top.jaccard_estimate) == ("a", "b", 1.0, 1.0)
    assert all("e1" not in (p.a, p.b) for p in analysis.pairs)


def test_bad_configuration_names_value_rule_and_fix():
    with pytest.raises(ConfigError, match=r"threshold 1.5 is outside \(0, 1\]"):
        ScanConfig(threshold=1.5)
    with pytest.raises(ConfigError, match="kind must be 'word' or 'char'"):
        ScanConfig(shingle="sentence:2")
    with pytest.raises(ConfigError, match="whole number"):
        ScanConfig(shingle="word:x")
    with pytest.raises(ConfigError, match="num_perm"):
        ScanConfig(num_perm=1)


def test_analyze_needs_documents_with_unique_ids():
    with pytest.raises(InputError, match="no documents"):
        analyze([])
    with pytest.raises(InputError, match="not unique"):
        analyze([Document("a", "x y"), Document("a", "y z")])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="ab c.\n", max_size=40), min_size=1, max_size=6))
def test_scores_are_shares_and_self_similarity_is_one(texts):
    docs = [Document(f"d{i}", t) for i, t in enumerate(texts)]
    analysis = analyze(docs, ScanConfig(shingle="word:2", min_score=0.0))
    for p in analysis.pairs:
        for v in (p.jaccard, p.jaccard_estimate, p.containment_a_in_b, p.containment_b_in_a):
            assert 0.0 <= v <= 1.0
    values = analysis.matrix.jaccard()
    for i, n in enumerate(analysis.shingle_counts):
        assert values[i, i] == (1.0 if n else 0.0)
    members = list(itertools.chain(*analysis.clusters))
    assert len(members) == len(set(members))  # clusters are disjoint
