"""Compiled kernels of the passage road, each with a plain reference beside it.

The passage road (:mod:`provenance.passages.prepare`) holds a corpus as flat arrays: the code
points of the texts, tokens with offsets, and for every unit (a sentence, or a window of two)
its content terms as sorted integer ids with their shares and corpus weights. These kernels do
the per-token and per-pair work on those arrays:

- :func:`tokenize_spans`: the words of each sentence span (``text.sentences.tokenize``'s rule,
  ``\\w+(?:['’]\\w+)*``), with offsets, a key naming the word's matching form, and whether it is
  joined to the word before by one space or hyphen (the name rule of ``lexicon.sentence_terms``);
- :func:`span_terms`: each sentence's content terms and shares (``lexicon.sentence_terms``);
- :func:`merge_windows`: the terms of two consecutive sentences as one unit;
- :func:`fsum_rows`: ``math.fsum`` of each unit's weighted terms, correctly rounded like CPython's;
- :func:`exact_candidates` / :func:`rare_keys` + :func:`group_pairs`: candidate unit pairs;
- :func:`verify_pairs`: the score of each candidate (``finder.sentence_score``) and the decision
  inputs ``(score, shared)`` of those that reach the threshold;
- :func:`matching_blocks` (:class:`WordMatcher`): difflib's matching blocks of two word lists,
  for a passage's kind (its word-level ratio) and its shared quotation.

Each plain reference (``*_reference``) says the same in Python; ``tests/test_passages_kernel.py``
holds them equal (hypothesis), and the whole road equal to the Python road of ``finder``.
Kernels are compiled once and cached on disk (``cache=True``); :func:`kernels_cached` says
whether a process will load them from the cache or compile them first (a few seconds).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Hashable, Sequence
from difflib import Match, SequenceMatcher

import numba as nb
import numpy as np

from provenance.signatures.hashing import fmix64 as _fmix64_py
from provenance.signatures.kernel import fmix64 as _fmix64

__all__ = [
    "document_frequencies",
    "exact_candidates",
    "fsum_reference",
    "fsum_rows",
    "group_pairs",
    "kernels_cached",
    "matching_blocks",
    "matching_blocks_reference",
    "merge_windows",
    "rare_keys",
    "span_terms",
    "token_key_reference",
    "tokenize_reference",
    "tokenize_spans",
    "verify_pairs",
    "WordMatcher",
]

_U64 = nb.uint64
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_NON_ASCII = np.uint64(1 << 63)
_APOSTROPHE, _CURLY = 0x27, 0x2019
_SPACE, _HYPHEN = 0x20, 0x2D
ROUNDING = 1 + 1e-9  # a plain sum of a few positive floats is within this of their fsum


# --- tokens -----------------------------------------------------------------------------------


@nb.njit(cache=True)
def _tokenize(cps, starts, ends, table, tok_start, tok_end, tok_key, tok_first, tok_gap,
              counts):
    n = 0
    for s in range(starts.size):
        p, end = starts[s], ends[s]
        before = n
        prev_end = -1
        while p < end:
            if not table[cps[p]]:
                p += 1
                continue
            b = p
            low = _FNV_OFFSET
            raw = _FNV_OFFSET
            ascii_ = True
            while True:
                while p < end and table[cps[p]]:
                    c = _U64(cps[p])
                    raw = (raw ^ c) * _FNV_PRIME
                    if c >= 128:
                        ascii_ = False
                    elif 65 <= c <= 90:
                        c += _U64(32)
                    low = (low ^ c) * _FNV_PRIME
                    p += 1
                if p + 1 < end and (cps[p] == _APOSTROPHE or cps[p] == _CURLY) \
                        and table[cps[p + 1]]:
                    c = _U64(cps[p])
                    raw = (raw ^ c) * _FNV_PRIME
                    if c >= 128:
                        ascii_ = False
                    low = (low ^ c) * _FNV_PRIME
                    p += 1
                    continue
                break
            tok_start[n] = b
            tok_end[n] = p
            if ascii_:
                tok_key[n] = _fmix64(low) >> _U64(1)
            else:
                tok_key[n] = (_fmix64(raw) >> _U64(1)) | _NON_ASCII
            tok_first[n] = cps[b]
            tok_gap[n] = prev_end >= 0 and b - prev_end == 1 and (
                cps[prev_end] == _SPACE or cps[prev_end] == _HYPHEN)
            prev_end = p
            n += 1
        counts[s] = n - before
    return n


def tokenize_spans(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray, table: np.ndarray):
    """Words of each span ``[starts[s], ends[s])`` of the code points ``cps`` (uint32):
    ``(start, end, key, first, gap, offsets)``, span s owning tokens
    ``offsets[s]:offsets[s+1]``. ``key`` names the word's matching form (see
    :func:`token_key_reference`), ``first`` is its first code point, ``gap`` says that the
    token before it in the span ended one space or hyphen earlier. ``table`` is
    ``signatures.text_bytes.word_table()`` (Python's ``\\w``)."""
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    room = int(((ends - starts + 1) // 2).sum()) + 1
    tok_start = np.empty(room, dtype=np.int64)
    tok_end = np.empty(room, dtype=np.int64)
    tok_key = np.empty(room, dtype=np.uint64)
    tok_first = np.empty(room, dtype=np.uint32)
    tok_gap = np.empty(room, dtype=np.bool_)
    counts = np.empty(len(starts), dtype=np.int64)
    n = _tokenize(cps, starts, ends, table, tok_start, tok_end, tok_key, tok_first, tok_gap,
                  counts)
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return (tok_start[:n], tok_end[:n], tok_key[:n], tok_first[:n], tok_gap[:n], offsets)


_TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*")
_MASK = (1 << 64) - 1


def token_key_reference(word: str) -> int:
    """The key of a word: FNV-1a over its code points (ASCII letters lowered when the word is
    all ASCII), mixed, in the low 63 bits; the top bit marks a word with non-ASCII code points
    (hashed as written: its matching form needs Unicode normalization). Two words with one
    key have one matching form (``text.sentences.normalize_token``)."""
    ascii_ = word.isascii()
    h = int(_FNV_OFFSET)
    for ch in word.lower() if ascii_ else word:
        h = ((h ^ ord(ch)) * int(_FNV_PRIME)) & _MASK
    key = _fmix64_py(h) >> 1
    return key if ascii_ else key | (1 << 63)


def tokenize_reference(text: str, spans) -> list[list[tuple[int, int, int, int, bool]]]:
    """Per span, ``(start, end, key, first, gap)`` of its words (plain Python, ``re``)."""
    out = []
    for start, end in spans:
        toks = []
        prev_end = None
        for m in _TOKEN_RE.finditer(text, start, end):
            gap = prev_end is not None and text[prev_end : m.start()] in (" ", "-")
            toks.append((m.start(), m.end(), token_key_reference(m.group()), ord(text[m.start()]),
                         gap))
            prev_end = m.end()
        out.append(toks)
    return out


# --- terms of a sentence ------------------------------------------------------------------------


@nb.njit(cache=True, inline="always")
def _put(terms, shares, o, count, term, share):
    for k in range(o, o + count):
        if terms[k] == term:
            if share > shares[k]:
                shares[k] = share
            return count
    terms[o + count] = term
    shares[o + count] = share
    return count + 1


LINEAR_SPAN = 48
"""A span of up to this many words gathers its distinct terms by a scan of those found so far
(a sentence has a few dozen); a longer one (a text without sentence ends) collects them all,
sorts them and keeps each once with its largest share -- the same terms and shares, without a
scan per word (a 600-word span took 0.14 ms the quadratic way)."""


@nb.njit(cache=True, inline="always")
def _add(terms, shares, o, count, term, share, linear):
    if linear:
        return _put(terms, shares, o, count, term, share)
    terms[o + count] = term
    shares[o + count] = share
    return count + 1


@nb.njit(cache=True)
def _sort_distinct(terms, shares, o, count):
    """``terms[o:o+count]`` sorted, each term once with its largest share; returns how many."""
    seg_terms = terms[o : o + count].copy()
    seg_shares = shares[o : o + count].copy()
    order = np.argsort(seg_terms, kind="mergesort")
    n = 0
    for i in range(count):
        t, sh = seg_terms[order[i]], seg_shares[order[i]]
        if n > 0 and terms[o + n - 1] == t:
            if sh > shares[o + n - 1]:
                shares[o + n - 1] = sh
        else:
            terms[o + n] = t
            shares[o + n] = sh
            n += 1
    return n


@nb.njit(cache=True)
def _span_terms(offsets, tok_term, tok_cap, tok_gap, terms, shares, counts, linear_span):
    run = np.empty(max(1, tok_term.size), dtype=np.int64)
    for s in range(offsets.size - 1):
        o = offsets[s]
        linear = offsets[s + 1] - o <= linear_span
        count = 0
        runlen = 0
        prev_cap = False
        for t in range(offsets[s], offsets[s + 1]):
            term = tok_term[t]
            if term < 0:  # a stop word or a single letter: ends a name
                for k in range(runlen):
                    count = _add(terms, shares, o, count, run[k], 1.0 / runlen, linear)
                runlen = 0
                prev_cap = False
                continue
            cap = tok_cap[t]
            joined = prev_cap and tok_gap[t]
            if cap and (joined or runlen == 0):
                run[runlen] = term
                runlen += 1
            else:
                for k in range(runlen):
                    count = _add(terms, shares, o, count, run[k], 1.0 / runlen, linear)
                runlen = 0
                if cap:
                    run[0] = term
                    runlen = 1
                else:
                    count = _add(terms, shares, o, count, term, 1.0, linear)
            prev_cap = cap
        for k in range(runlen):
            count = _add(terms, shares, o, count, run[k], 1.0 / runlen, linear)
        if not linear:
            counts[s] = _sort_distinct(terms, shares, o, count)
            continue
        # sort the span's terms by id (insertion sort: a sentence has a few dozen)
        for x in range(o + 1, o + count):
            tv, sv = terms[x], shares[x]
            y = x - 1
            while y >= o and terms[y] > tv:
                terms[y + 1] = terms[y]
                shares[y + 1] = shares[y]
                y -= 1
            terms[y + 1] = tv
            shares[y + 1] = sv
        counts[s] = count


def span_terms(offsets: np.ndarray, tok_term: np.ndarray, tok_cap: np.ndarray,
               tok_gap: np.ndarray, linear_span: int = LINEAR_SPAN):
    """Each span's content terms (ids sorted) and shares, as CSR ``(terms, shares, offsets)``.

    ``tok_term`` is each token's term id, or -1 for a stop word or a single letter;
    ``tok_cap`` whether it starts with a capital. The rule of ``lexicon.sentence_terms``: a run
    of capitalized words joined by single spaces or hyphens is one name whose words share a
    weight of 1; other terms weigh 1; a term seen twice keeps its larger share."""
    terms = np.empty(len(tok_term), dtype=np.int32)
    shares = np.empty(len(tok_term), dtype=np.float64)
    counts = np.zeros(len(offsets) - 1, dtype=np.int64)
    _span_terms(offsets, tok_term, tok_cap, tok_gap, terms, shares, counts, linear_span)
    keep = np.repeat(offsets[:-1], counts) + (np.arange(int(counts.sum()))
                                              - np.repeat(np.cumsum(counts) - counts, counts))
    out_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out_offsets[1:])
    return terms[keep], shares[keep], out_offsets


@nb.njit(cache=True)
def _merge_windows(first, second, offsets, terms, shares, out_offsets, out_terms, out_shares):
    for w in range(first.size):
        i, j = first[w], second[w]
        p, pe = offsets[i], offsets[i + 1]
        q, qe = offsets[j], offsets[j + 1]
        o = out_offsets[w]
        while p < pe or q < qe:
            if q >= qe or (p < pe and terms[p] < terms[q]):
                out_terms[o], out_shares[o] = terms[p], shares[p]
                p += 1
            elif p >= pe or terms[q] < terms[p]:
                out_terms[o], out_shares[o] = terms[q], shares[q]
                q += 1
            else:
                out_terms[o] = terms[p]
                out_shares[o] = max(shares[p], shares[q])
                p += 1
                q += 1
            o += 1
        out_offsets[w + 1] = o


def merge_windows(first: np.ndarray, second: np.ndarray, offsets: np.ndarray,
                  terms: np.ndarray, shares: np.ndarray):
    """Units ``first[w]`` and ``second[w]`` merged: the union of their terms, each with its
    larger share. Returns CSR ``(terms, shares, offsets)``."""
    room = int((np.diff(offsets)[first] + np.diff(offsets)[second]).sum())
    out_terms = np.empty(room, dtype=np.int32)
    out_shares = np.empty(room, dtype=np.float64)
    out_offsets = np.zeros(len(first) + 1, dtype=np.int64)
    _merge_windows(first.astype(np.int64), second.astype(np.int64), offsets, terms, shares,
                   out_offsets, out_terms, out_shares)
    end = out_offsets[-1]
    return out_terms[:end], out_shares[:end], out_offsets


@nb.njit(cache=True)
def _document_frequencies(owners, terms, n_terms):
    df = np.zeros(n_terms, dtype=np.int64)
    last = np.full(n_terms, -1, dtype=np.int64)
    for k in range(terms.size):
        t = terms[k]
        if last[t] != owners[k]:
            last[t] = owners[k]
            df[t] += 1
    return df


def document_frequencies(owners: np.ndarray, terms: np.ndarray, n_terms: int) -> np.ndarray:
    """How many distinct owners each term has, ``owners`` ascending (a document's units are
    together): ``np.bincount(np.unique(owners * n_terms + terms) % n_terms)`` in one pass."""
    return _document_frequencies(np.ascontiguousarray(owners, dtype=np.int64),
                                 np.ascontiguousarray(terms), n_terms)


# --- exact sums ---------------------------------------------------------------------------------


@nb.njit(cache=True)
def _fsum(values, start, end, partials):
    """CPython's ``math.fsum`` of ``values[start:end]`` (finite values): Shewchuk's partials,
    then the sum of the partials from the top, with its half-even correction."""
    n = 0
    for k in range(start, end):
        x = values[k]
        i = 0
        for j in range(n):
            y = partials[j]
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            yr = hi - x
            lo = y - yr
            if lo != 0.0:
                partials[i] = lo
                i += 1
            x = hi
        n = i
        if x != 0.0:
            partials[n] = x
            n += 1
    hi = 0.0
    if n > 0:
        n -= 1
        hi = partials[n]
        lo = 0.0
        while n > 0:
            x = hi
            n -= 1
            y = partials[n]
            hi = x + y
            yr = hi - x
            lo = y - yr
            if lo != 0.0:
                break
        if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (lo > 0.0 and partials[n - 1] > 0.0)):
            y = lo * 2.0
            x = hi + y
            yr = x - hi
            if y == yr:
                hi = x
    return hi


@nb.njit(cache=True)
def _fsum_rows(values, offsets, out):
    partials = np.empty(max(1, values.size) + 1, dtype=np.float64)
    for r in range(offsets.size - 1):
        out[r] = _fsum(values, offsets[r], offsets[r + 1], partials)


def fsum_rows(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``math.fsum`` of each row ``values[offsets[r]:offsets[r+1]]``."""
    out = np.empty(len(offsets) - 1, dtype=np.float64)
    _fsum_rows(np.ascontiguousarray(values, dtype=np.float64), offsets, out)
    return out


def fsum_reference(values) -> float:
    return math.fsum(values)


# --- candidates ---------------------------------------------------------------------------------


@nb.njit(cache=True)
def _shared_at_least(terms, p, pe, q, qe, need):
    found = 0
    while p < pe and q < qe:
        if terms[p] < terms[q]:
            p += 1
        elif terms[q] < terms[p]:
            q += 1
        else:
            found += 1
            if found >= need:
                return True
            p += 1
            q += 1
    return False


@nb.njit(cache=True)
def _exact_candidates(unit_doc, offsets, terms, need, out):
    n = 0
    for i in range(unit_doc.size):
        for j in range(i + 1, unit_doc.size):
            if unit_doc[i] != unit_doc[j] and _shared_at_least(
                    terms, offsets[i], offsets[i + 1], offsets[j], offsets[j + 1], need):
                if n >= out.shape[0]:
                    return -1
                out[n, 0] = i
                out[n, 1] = j
                n += 1
    return n


def exact_candidates(unit_doc: np.ndarray, offsets: np.ndarray, terms: np.ndarray,
                     need: int = 2) -> np.ndarray:
    """Every pair ``(i, j)``, ``i < j``, of units of different documents sharing ``need``
    terms, in order (``finder._exact_candidates`` with a sparse product)."""
    size = max(16, len(unit_doc) * 8)
    while True:
        out = np.empty((size, 2), dtype=np.int64)
        n = _exact_candidates(unit_doc, offsets, terms, need, out)
        if n >= 0:
            return out[:n]
        size *= 4


@nb.njit(cache=True)
def _rare_keys(offsets, terms, df, keep, keys, owners):
    n = 0
    chosen = np.empty(keep, dtype=np.int64)
    for u in range(offsets.size - 1):
        # the ``keep`` rarest terms found in two documents or more, by (df, id): insertion
        # into a short sorted list
        m = 0
        for k in range(offsets[u], offsets[u + 1]):
            t = terms[k]
            d = df[t]
            if d < 2:
                continue
            if m == keep and (d > df[chosen[m - 1]] or (d == df[chosen[m - 1]]
                                                        and t > chosen[m - 1])):
                continue
            pos = m if m < keep else keep - 1
            while pos > 0 and (df[chosen[pos - 1]] > d or (df[chosen[pos - 1]] == d
                                                           and chosen[pos - 1] > t)):
                if pos < keep:
                    chosen[pos] = chosen[pos - 1]
                pos -= 1
            chosen[pos] = t
            if m < keep:
                m += 1
        ids = np.sort(chosen[:m])
        for x in range(m):
            for y in range(x + 1, m):
                keys[n] = (ids[x] << 32) | ids[y]
                owners[n] = u
                n += 1
    return n


def rare_keys(offsets: np.ndarray, terms: np.ndarray, df: np.ndarray, keep: int = 5):
    """Band keys of each unit's ``keep`` rarest terms (document frequency ``df[term]`` at least
    2, ties by term id): one key per two of them, ``(lower id << 32) | higher id``. Returns
    ``(keys, owners)``."""
    room = (len(offsets) - 1) * keep * (keep - 1) // 2
    keys = np.empty(room, dtype=np.int64)
    owners = np.empty(room, dtype=np.int64)
    n = _rare_keys(offsets, terms.astype(np.int64), df.astype(np.int64), keep, keys, owners)
    return keys[:n], owners[:n]


@nb.njit(cache=True)
def _group_pairs(sorted_keys, sorted_owners, n_owners, max_group, out, count_only):
    n = 0
    start = 0
    size_all = sorted_keys.size
    while start < size_all:
        end = start + 1
        while end < size_all and sorted_keys[end] == sorted_keys[start]:
            end += 1
        size = end - start
        if 1 < size <= max_group:
            for x in range(start, end):
                for y in range(x + 1, end):
                    a, b = sorted_owners[x], sorted_owners[y]
                    if a == b:
                        continue
                    if not count_only:
                        out[n] = min(a, b) * n_owners + max(a, b)
                    n += 1
        start = end
    return n


def group_pairs(keys: np.ndarray, owners: np.ndarray, n_owners: int,
                max_group: int) -> np.ndarray:
    """``similarity.candidates.colliding_pairs(keys, owners, n_owners, max_group)``: sorted
    unique ``(i, j)`` rows, ``i < j``, of owners sharing a key held by at most ``max_group``."""
    if len(keys) == 0:
        return np.empty((0, 2), dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sk, so = keys[order], owners[order]
    n = _group_pairs(sk, so, n_owners, max_group, np.empty(0, dtype=np.int64), True)
    codes = np.empty(n, dtype=np.int64)
    _group_pairs(sk, so, n_owners, max_group, codes, False)
    codes = np.sort(codes)
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes
    return np.stack([codes // n_owners, codes % n_owners], axis=1)


# --- scores -------------------------------------------------------------------------------------


@nb.njit(cache=True)
def _verify(pairs, unit_doc, doc_rank, offsets, terms, weighted, totals, is_number,
            threshold, min_shared, penalty, need_shared, out_a, out_b, out_score, out_shared):
    mins = np.empty(max(1, terms.size), dtype=np.float64)
    partials = np.empty(max(1, terms.size) + 1, dtype=np.float64)
    n = 0
    for k in range(pairs.shape[0]):
        a, b = pairs[k, 0], pairs[k, 1]
        if doc_rank[unit_doc[a]] > doc_rank[unit_doc[b]]:
            a, b = b, a
        # the shared weight is at most the lighter side's total: when that cannot reach
        # min_shared or the threshold, nothing the merge finds can
        total = totals[a] + totals[b]
        light = min(totals[a], totals[b])
        if light < min_shared or (total != 0.0 and 2 * light / total < threshold):
            continue
        p, pe = offsets[a], offsets[a + 1]
        q, qe = offsets[b], offsets[b + 1]
        m = 0
        rough = 0.0
        na = nb_ = both = 0
        while p < pe or q < qe:
            if q >= qe or (p < pe and terms[p] < terms[q]):
                na += is_number[terms[p]]
                p += 1
            elif p >= pe or terms[q] < terms[p]:
                nb_ += is_number[terms[q]]
                q += 1
            else:
                v = min(weighted[p], weighted[q])
                mins[m] = v
                m += 1
                rough += v
                if is_number[terms[p]]:
                    na += 1
                    nb_ += 1
                    both += 1
                p += 1
                q += 1
        if m < need_shared:
            continue
        rough *= ROUNDING
        if rough < min_shared or (total != 0.0 and 2 * rough / total < threshold):
            continue
        shared = _fsum(mins, 0, m, partials)
        score = 2 * shared / total if total != 0.0 else 0.0
        if na > 0 and nb_ > 0 and not (na == both and nb_ == both):
            union = na + nb_ - both
            score -= penalty * (union - both) / union
        score = max(0.0, score)
        if score >= threshold and shared >= min_shared:
            out_a[n] = a
            out_b[n] = b
            out_score[n] = score
            out_shared[n] = shared
            n += 1
    return n


def verify_pairs(pairs: np.ndarray, unit_doc: np.ndarray, doc_rank: np.ndarray,
                 offsets: np.ndarray, terms: np.ndarray, weighted: np.ndarray,
                 totals: np.ndarray, is_number: np.ndarray, threshold: float,
                 min_shared: float, penalty: float, need_shared: int = 0):
    """The candidates that match: ``(a, b, score, shared)`` arrays, ``a`` the unit of the
    document with the lower ``doc_rank`` (the lower id). The rule of ``finder._verify`` and
    ``finder.sentence_score``: weighted Dice overlap less ``penalty`` times the share of numbers
    that differ, at least ``threshold``, with a shared weight of at least ``min_shared``;
    ``need_shared`` terms in common at least."""
    k = len(pairs)
    out_a = np.empty(k, dtype=np.int64)
    out_b = np.empty(k, dtype=np.int64)
    out_score = np.empty(k, dtype=np.float64)
    out_shared = np.empty(k, dtype=np.float64)
    n = _verify(np.ascontiguousarray(pairs, dtype=np.int64), unit_doc, doc_rank, offsets,
                terms, weighted, totals, is_number, float(threshold), float(min_shared),
                float(penalty), need_shared, out_a, out_b, out_score, out_shared)
    return out_a[:n], out_b[:n], out_score[:n], out_shared[:n]


# --- word alignment ---------------------------------------------------------------------------


@nb.njit(cache=True)
def _longest_match(a, b, b_pos, b_off, alo, ahi, blo, bhi, lens, stamps, row):
    """``SequenceMatcher.find_longest_match(alo, ahi, blo, bhi)`` without junk: the longest
    common run, the earliest in ``a`` and then in ``b`` among the longest. ``lens[r % 2, j]`` is
    the length of the run ending at ``a[i], b[j]`` of row ``r`` (``j2len``), valid when
    ``stamps[r % 2, j] == r``; ``row`` is the first unused row number. Returns
    ``(i, j, size, next row)``."""
    besti, bestj, bestsize = alo, blo, 0
    row += 1  # the row before the first: no run continues from it
    for i in range(alo, ahi):
        prev = row % 2
        row += 1
        cur = row % 2
        x = a[i]
        for p in range(b_off[x], b_off[x + 1]):
            j = b_pos[p]
            if j < blo:
                continue
            if j >= bhi:
                break
            k = 1
            if j > 0 and stamps[prev, j - 1] == row - 1:
                k = lens[prev, j - 1] + 1
            lens[cur, j] = k
            stamps[cur, j] = row
            if k > bestsize:
                besti, bestj, bestsize = i - k + 1, j - k + 1, k
    # difflib extends the best run by equal neighbours (a no-op without junk: kept as written)
    while besti > alo and bestj > blo and a[besti - 1] == b[bestj - 1]:
        besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
    while besti + bestsize < ahi and bestj + bestsize < bhi and \
            a[besti + bestsize] == b[bestj + bestsize]:
        bestsize += 1
    return besti, bestj, bestsize, row + 1


@nb.njit(cache=True)
def _matching_blocks(a, b, b_pos, b_off):
    la, lb = a.size, b.size
    lens = np.zeros((2, max(lb, 1)), dtype=np.int64)
    stamps = np.full((2, max(lb, 1)), -1, dtype=np.int64)
    stack = np.empty((la + lb + 2, 4), dtype=np.int64)
    found = np.empty((min(la, lb) + 1, 3), dtype=np.int64)
    n = 0
    top = 0
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = 0, la, 0, lb
    top = 1
    row = 0
    while top > 0:
        top -= 1
        alo, ahi, blo, bhi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        i, j, k, row = _longest_match(a, b, b_pos, b_off, alo, ahi, blo, bhi, lens, stamps,
                                      row)
        if k:
            found[n, 0], found[n, 1], found[n, 2] = i, j, k
            n += 1
            if alo < i and blo < j:
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = alo, i, blo, j
                top += 1
            if i + k < ahi and j + k < bhi:
                stack[top, 0], stack[top, 1] = i + k, ahi
                stack[top, 2], stack[top, 3] = j + k, bhi
                top += 1
    # the blocks do not overlap and rise in both sequences: sorting by a's index sorts them
    order = np.argsort(found[:n, 0])
    out = np.empty((n + 1, 3), dtype=np.int64)
    m = 0
    i1 = j1 = k1 = 0
    for r in range(n):
        i2, j2, k2 = found[order[r], 0], found[order[r], 1], found[order[r], 2]
        if i1 + k1 == i2 and j1 + k1 == j2:
            k1 += k2
        else:
            if k1:
                out[m, 0], out[m, 1], out[m, 2] = i1, j1, k1
                m += 1
            i1, j1, k1 = i2, j2, k2
    if k1:
        out[m, 0], out[m, 1], out[m, 2] = i1, j1, k1
        m += 1
    out[m, 0], out[m, 1], out[m, 2] = la, lb, 0
    return out[: m + 1]


def matching_blocks(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Match]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()``, compiled: the
    same blocks (``difflib.Match``, the last ``(len(a), len(b), 0)``) by the same rule -- the
    longest common run of the range, the earliest in ``a`` then in ``b``, then the ranges on
    either side of it. Elements are compared by equality (each distinct element gets an id).
    The plain reference is :func:`matching_blocks_reference`, difflib itself."""
    ids = {x: k for k, x in enumerate(dict.fromkeys(itertools.chain(a, b)))}
    a_ids = np.array([ids[x] for x in a], dtype=np.int64)
    b_ids = np.array([ids[x] for x in b], dtype=np.int64)
    # b2j: the positions of each element in b, ascending
    b_pos = np.argsort(b_ids, kind="stable")
    b_off = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(b_ids, minlength=len(ids)), out=b_off[1:])
    blocks = _matching_blocks(a_ids, b_ids, b_pos, b_off)
    return [Match(*row) for row in blocks.tolist()]


def matching_blocks_reference(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Match]:
    """difflib's matching blocks without junk (the reference of :func:`matching_blocks`)."""
    return SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()


class WordMatcher:
    """The part of ``SequenceMatcher(None, a, b, autojunk=False)`` the passage road uses --
    ``ratio()`` and ``get_matching_blocks()`` -- on :func:`matching_blocks`: the same values,
    the blocks computed once. A 600-word near-copy: 0.2 ms instead of 5 (difflib)."""

    __slots__ = ("a", "b", "_blocks")

    def __init__(self, a: Sequence[Hashable], b: Sequence[Hashable]) -> None:
        self.a, self.b = a, b
        self._blocks: list[Match] | None = None

    def get_matching_blocks(self) -> list[Match]:
        if self._blocks is None:
            self._blocks = matching_blocks(self.a, self.b)
        return self._blocks

    def ratio(self) -> float:
        length = len(self.a) + len(self.b)
        if not length:
            return 1.0
        return 2.0 * sum(m.size for m in self.get_matching_blocks()) / length


# --- the compile cache --------------------------------------------------------------------------

_KERNELS = (_tokenize, _span_terms, _merge_windows, _fsum_rows, _exact_candidates, _rare_keys,
            _group_pairs, _verify, _document_frequencies, _matching_blocks)


def kernels_cached() -> bool:
    """Whether every passage kernel is compiled in this process or has a compiled version in
    numba's on-disk cache (else its first use compiles it: a few seconds)."""
    for kernel in _KERNELS:
        if kernel.signatures:
            continue
        if not kernel._cache._cache_file._load_index():  # numba's index of cached versions
            return False
    return True
