from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from provenance.signatures import (
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
from provenance.signatures.kernel import (
    batch_shingle_hashes,
    batch_sign_bytes,
    batch_signatures,
    bytes_unit_hashes,
)
from provenance.signatures.text_bytes import (
    pack,
    prepare,
    unit_hashes_reference,
    word_table,
    words_reference,
)
from provenance.text.sentences import words as scan_words

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


# --- the byte kernel ---------------------------------------------------------------------------

messy = st.binary(max_size=80) | st.lists(
    st.sampled_from([b"a", b"B", b"'", b" ", b"\xc3\xa9", b"\xe2\x80\x99", b"\xf0\x9f\x98\x80",
                     b"\xff", b"\xc1\x81", b"\xed\xa0\x80", b"\xe2\x82", b"1,0", b"_", b"."]),
    max_size=40).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(messy)
def test_byte_kernel_words_equal_the_reference_on_any_bytes(data):
    got = bytes_unit_hashes(np.frombuffer(data, dtype=np.uint8), word_table())
    assert got.tolist() == unit_hashes_reference(data).tolist()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_prepared_text_gives_the_scan_words(text):
    data = prepare(text)
    assert words_reference(data) == words_reference(prepare(data.decode("utf-8")))
    if text.isascii():
        assert words_reference(data) == scan_words(text)


def test_byte_kernel_on_the_seeds_equals_the_scan_path(seeds_dir):
    table = word_table()
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        got = bytes_unit_hashes(np.frombuffer(prepare(text), dtype=np.uint8), table)
        assert got.tolist() == word_unit_hashes(scan_words(text)).tolist(), path.name


@settings(max_examples=40, deadline=None)
@given(st.lists(messy, max_size=12), st.integers(1, 6), st.integers(0, 3))
def test_byte_kernel_signatures_equal_the_reference(docs, n, seed):
    a, b = permutations(32, seed)
    buf, offsets = pack(docs)
    sigs, counts = batch_sign_bytes(buf, offsets, word_table(), n, a, b)
    for d, data in enumerate(docs):
        shingles = shingle_hashes(unit_hashes_reference(data), n)
        assert counts[d] == len(shingles)
        assert sigs[d].tolist() == signature_reference(shingles, 32, seed).tolist()


def test_byte_kernel_edge_documents():
    a, b = permutations(16, 1)
    long_word = b"x" * 5000  # one word past xxh64's 32-byte stripes
    big = b"word " * 1_000_000  # 5 MB, one document
    docs = [b"", b"...", b"one", b"two words", long_word, big]
    sigs, counts = batch_sign_bytes(*pack(docs), word_table(), 5, a, b)
    assert counts.tolist() == [0, 0, 1, 1, 1, 1_000_000 - 4]
    assert (sigs[0] == EMPTY).all() and (sigs[1] == EMPTY).all()  # no words: the empty signature
    for d in (2, 3, 4):
        assert sigs[d].tolist() == signature_reference(
            shingle_hashes(unit_hashes_reference(docs[d]), 5), 16, 1).tolist()
    one = shingle_hashes(unit_hashes_reference(b"word " * 5), 5)
    assert sigs[5].tolist() == signature_reference(one, 16, 1).tolist()  # one distinct shingle


sentences_bytes = st.lists(
    st.sampled_from([b"Word", b"other", b"the", b"of", b"a", b" ", b" ", b". ", b"!", b"?",
                     b"\n", b"'", b"x'y", b"\xc3\xa9t\xc3\xa9", b"\xff", b"1,000", b"rifles"]),
    max_size=60).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(sentences_bytes, max_size=6))
def test_sentence_keys_kernel_equals_the_reference(docs):
    from provenance.signatures import SENTENCE_MIX, sentence_keys, stop_hashes
    from provenance.signatures.kernel import batch_sentence_keys
    from provenance.signatures.text_bytes import sentence_keys_reference

    buf, offsets = pack(docs)
    got = batch_sentence_keys(buf, offsets, word_table(), stop_hashes(), SENTENCE_MIX)
    for data, keys in zip(docs, got, strict=True):
        assert keys.tolist() == sentence_keys_reference(data).tolist()
    assert [k.tolist() for k in sentence_keys(docs, engine="numpy")] == [k.tolist() for k in got]


def test_serial_kernels_equal_the_thread_pool_ones():
    # inputs under SERIAL_BYTES run on the calling thread, larger ones in the pool: one batch
    # past the limit against each of its documents alone
    from provenance.signatures import SENTENCE_MIX, stop_hashes
    from provenance.signatures.kernel import SERIAL_BYTES, batch_sentence_keys

    rng = np.random.default_rng(3)
    words = [b"Chinese", b"companies", b"sent", b"the", b"of", b"1,000", b"rifles", b"x'y",
             b"\xc3\xa9t\xc3\xa9", b"to", b"Russia", b"talks", b"stalled"]
    docs = [b" ".join(words[i] + (b"." if i % 7 == 0 else b"")
                      for i in rng.integers(0, len(words), int(rng.integers(0, 900))))
            for _ in range(60)]
    buf, offsets = pack(docs)
    assert len(buf) >= SERIAL_BYTES
    a, b = permutations(32, 1)
    sigs, counts = batch_sign_bytes(buf, offsets, word_table(), 5, a, b)
    keys = batch_sentence_keys(buf, offsets, word_table(), stop_hashes(), SENTENCE_MIX)
    for d, data in enumerate(docs):
        one_buf, one_offsets = pack([data])
        assert len(one_buf) < SERIAL_BYTES
        one_sig, one_count = batch_sign_bytes(one_buf, one_offsets, word_table(), 5, a, b)
        assert one_sig[0].tolist() == sigs[d].tolist() and one_count[0] == counts[d]
        [one_keys] = batch_sentence_keys(one_buf, one_offsets, word_table(), stop_hashes(),
                                         SENTENCE_MIX)
        assert one_keys.tolist() == keys[d].tolist()


def test_sentence_keys_find_a_repeated_sentence():
    from provenance.signatures import sentence_keys

    a = prepare("Chinese companies sent over 1,000 assault rifles to Russia. Unrelated words.")
    b = prepare("Elsewhere, talks stalled.\nCHINESE companies sent over 1,000 assault rifles to "
                "Russia!")  # the same sentence: other case, punctuation and neighbours
    c = prepare("The weather in Spain was warm and sunny for the whole week.")
    ka, kb, kc = sentence_keys([a, b, c], engine="numba")
    assert len(ka) == 2 and set(ka) <= set(kb) and not set(ka) & set(kc)
    assert len(kb) == 2  # "Elsewhere, talks stalled." has too few content words for keys


@settings(max_examples=50, deadline=None)
@given(st.sets(st.integers(1, 2**64 - 1), max_size=300), st.lists(st.integers(0, 2**64 - 1),
                                                                   max_size=50))
def test_hash_set_holds_exactly_its_values(values, others):
    from provenance.signatures.kernel import _in_set, hash_set

    crowded = {(v & ~((2**40) - 1)) | 7 for v in list(values)[:20]}  # same slot: probing
    values = values | crowded | {v + 1 for v in crowded if v + 1 < 2**64}
    slots = hash_set(np.array(sorted(values), dtype=np.uint64))
    for v in values:
        assert _in_set(slots, np.uint64(v))
    for v in others + [0]:
        assert _in_set(slots, np.uint64(v)) == (v in values)


def test_hash_set_refuses_zero():
    from provenance.signatures.kernel import hash_set

    with pytest.raises(ValueError, match="empty slot"):
        hash_set(np.array([0, 5], dtype=np.uint64))


# --- exact shingle sets (dedup's checks) -------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(messy, max_size=10), st.integers(1, 5))
def test_shingle_sets_kernel_equals_the_reference(docs, n):
    from provenance.signatures import set_jaccard, shingle_sets

    buf, offsets = pack(docs)
    ref = shingle_sets(buf, offsets[:-1], offsets[1:], n, "numpy")
    sigs, counts = batch_sign_bytes(buf, offsets, word_table(), n, *permutations(16, 1))
    for bounds in (None, counts):
        got = shingle_sets(buf, offsets[:-1], offsets[1:], n, "numba", bounds=bounds)
        for d, data in enumerate(docs):
            want = np.unique(shingle_hashes(unit_hashes_reference(data), n))
            for hashes, offs, sizes in (ref, got):
                assert hashes[offs[d] : offs[d] + sizes[d]].tolist() == want.tolist()
    pairs = np.array([(i, j) for i in range(len(docs)) for j in range(len(docs))],
                     dtype=np.int64).reshape(-1, 2)
    a = set_jaccard(*ref, pairs[:, 0], pairs[:, 1], "numpy")
    b = set_jaccard(*got, pairs[:, 0], pairs[:, 1], "numba")
    np.testing.assert_array_equal(a, b)
    for (i, j), value in zip(pairs.tolist(), a.tolist(), strict=True):
        x = set(shingle_hashes(unit_hashes_reference(docs[i]), n).tolist())
        y = set(shingle_hashes(unit_hashes_reference(docs[j]), n).tolist())
        assert value == (len(x & y) / len(x | y) if x | y else 0.0)


# --- compiling once ----------------------------------------------------------------------------

def test_each_kernel_has_one_compiled_signature():
    # the wrappers hand every kernel the same argument types, whatever the caller passes
    # (writable or read-only buffers, other integer types), so nothing compiles twice
    from provenance.signatures import kernel as k
    from provenance.signatures import (
        kernels_cached,
        sentence_keys,
        set_jaccard,
        shingle_sets,
        sign_bytes,
        sign_packed,
    )

    docs = [b"one two three four five six. Seven eight nine ten eleven.", b"two three"]
    buf, offsets = pack(docs)
    for b in (buf, buf.copy()):
        for o in (offsets, offsets.astype(np.int32)):
            sign_packed(b, o, 5, 16, 1, "numba")
            hashes, offs, sizes = shingle_sets(b, o[:-1], o[1:], 5, "numba")
            set_jaccard(hashes, offs, sizes, np.array([0]), np.array([1], dtype=np.int32),
                        "numba")
            set_jaccard(hashes.copy(), offs.copy(), sizes.copy(), np.array([0]), np.array([1]),
                        "numba")
    sign_bytes(docs, 5, 16, 1, "numba")
    sentence_keys(docs, engine="numba")
    sign([np.arange(7, dtype=np.uint64), np.arange(3, dtype=np.uint64)], 5, 16, 1, "numba")
    for kernel, sig in k.ENTRY_POINTS.values():
        assert kernel.signatures == [tuple(sig)], kernel.py_func.__name__
    assert kernels_cached() and kernels_cached("dedup") and kernels_cached("sign_bytes")
    with pytest.raises(ValueError, match="no kernel named nope"):
        kernels_cached("nope")


@pytest.mark.slow
def test_a_second_process_never_compiles(tmp_path):
    # an empty cache: the first process compiles every kernel, the second loads them all
    import json
    import os
    import subprocess
    import sys

    script = """
import json, numpy as np
from provenance.signatures import kernels_cached, sign_bytes, sentence_keys, warm_up
from provenance.signatures import kernel as k
before = kernels_cached(), kernels_cached("index")
compiled = warm_up("index"), warm_up()
sign_bytes([b"words to sign here now"], engine="numba")
sentence_keys([b"words to sign here now."], engine="numba")
misses = sum(sum(kernel.stats.cache_misses.values()) for kernel, _ in k.ENTRY_POINTS.values())
print(json.dumps({"before": before, "compiled": compiled, "misses": misses,
                  "after": kernels_cached()}))
"""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                      capture_output=True, text=True).stdout.splitlines()[-1])
            for _ in range(2)]
    first, second = runs
    from provenance.signatures.kernel import ENTRY_POINTS

    assert first["before"] == [False, False] and first["after"] is True
    # the index's four (two kernels and their serial twins), then the rest
    assert first["compiled"] == [4, len(ENTRY_POINTS) - 4]
    assert second == {"before": [True, True], "compiled": [0, 0], "misses": 0, "after": True}
