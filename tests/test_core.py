from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from provenance.core import (
    EMPTY,
    estimate_jaccard,
    minhash_input,
    permutations,
    shingle_hash,
    shingle_hashes,
    sign,
    signature_reference,
    to_lean_minhash,
    word_unit_hashes,
)
from provenance.core.kernel import batch_shingle_hashes, batch_signatures

WORDS = ("nato secretary general jens stoltenberg cautioned china against supplying russia "
         "with lethal weaponry saying the move would be a historic mistake").split()

units = arrays(np.uint64, st.integers(0, 40), elements=st.integers(0, 2**64 - 1))


def windows(words, n):
    if len(words) < n:
        return [tuple(words)] if words else []
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


@given(st.lists(st.sampled_from(WORDS), max_size=30), st.integers(1, 7))
def test_numpy_shingles_equal_the_scalar_definition(words, n):
    got = shingle_hashes(word_unit_hashes(words), n)
    assert [int(x) for x in got] == [shingle_hash(w) for w in windows(words, n)]


@settings(max_examples=60, deadline=None)
@given(st.lists(units, min_size=1, max_size=6), st.integers(1, 6),
       st.sampled_from([2, 16, 128]), st.integers(0, 2**32 - 1))
def test_kernel_equals_reference_value_for_value(docs, n, num_perm, seed):
    flat = np.concatenate(docs)
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in docs], out=offsets[1:])
    hashes, hash_offsets = batch_shingle_hashes(flat, offsets, n)
    sigs = batch_signatures(hashes, hash_offsets, *permutations(num_perm, seed))
    for d, doc in enumerate(docs):
        ref = shingle_hashes(doc, n)
        np.testing.assert_array_equal(hashes[hash_offsets[d] : hash_offsets[d + 1]], ref)
        np.testing.assert_array_equal(sigs[d], signature_reference(ref, num_perm, seed))


@settings(max_examples=20, deadline=None)
@given(st.lists(units, min_size=1, max_size=5), st.integers(1, 5))
def test_sign_engines_agree(docs, n):
    a = sign(docs, n, 64, 3, engine="numpy")
    b = sign(docs, n, 64, 3, engine="numba")
    np.testing.assert_array_equal(a.hashes, b.hashes)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.signatures, b.signatures)


def test_empty_and_short_documents():
    empty = np.empty(0, dtype=np.uint64)
    assert len(shingle_hashes(empty, 5)) == 0
    assert (signature_reference(shingle_hashes(empty, 5)) == EMPTY).all()
    short = word_unit_hashes(["only", "three", "words"])
    assert [int(x) for x in shingle_hashes(short, 5)] == [shingle_hash(("only", "three",
                                                                         "words"))]
    sig_empty = signature_reference(empty)
    assert estimate_jaccard(sig_empty, sig_empty) == 0.0


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2**32 - 1), st.sampled_from([16, 128, 256]))
def test_permutations_are_datasketchs(seed, num_perm):
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours = permutations(num_perm, seed)
    np.testing.assert_array_equal(ours[0], a)
    np.testing.assert_array_equal(ours[1], b)


def datasketch_minhash(words, n=3, num_perm=128, seed=1) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=minhash_input)
    m.update_batch(windows(words, n))
    return m


def test_datasketch_gives_our_signature_and_our_estimate():
    a_words, b_words = WORDS, WORDS[:12] + ["today"] + WORDS[12:]
    ours_a = signature_reference(shingle_hashes(word_unit_hashes(a_words), 3))
    ours_b = signature_reference(shingle_hashes(word_unit_hashes(b_words), 3))
    theirs_a, theirs_b = datasketch_minhash(a_words), datasketch_minhash(b_words)
    np.testing.assert_array_equal(theirs_a.hashvalues, ours_a)
    assert theirs_a.jaccard(theirs_b) == estimate_jaccard(ours_a, ours_b)
    assert to_lean_minhash(ours_a).jaccard(theirs_b) == theirs_a.jaccard(theirs_b)


def test_datasketch_lsh_finds_our_signatures():
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    docs = {
        "copy": WORDS,
        "edited": WORDS[:-1] + ["blunder"],
        "other": "an unrelated story about the weather in spain this week".split(),
    }
    for key, words in docs.items():
        sig = signature_reference(shingle_hashes(word_unit_hashes(words), 3))
        lsh.insert(key, to_lean_minhash(sig))
    found = lsh.query(datasketch_minhash(WORDS))
    assert set(found) == {"copy", "edited"}
    lean = LeanMinHash(datasketch_minhash(WORDS))
    assert lean.scheme == "affine32"
