"""Passage preparation as flat arrays: texts and their sentences -> units with content terms.

What ``finder``'s Python road does sentence by sentence (``tokenize``, ``sentence_terms``,
stems, windows of two sentences), done for a whole corpus at once:

1. the texts' code points (UTF-32: an index is a Python string offset) and the spans of their
   sentences that are not boilerplate;
2. the words of every span, by a compiled kernel (:func:`kernel.tokenize_spans`), each with a
   key naming its matching form;
3. each distinct key becomes a term once per process (``_Terms``: the keys of a document are
   looked up together in a sorted array; a key never seen goes through ``normalize_token``,
   stop word or single letter, Snowball stem, in Python);
4. each span's terms and shares by a compiled kernel (:func:`kernel.span_terms`), then the
   windows of two consecutive sentences (:func:`kernel.merge_windows`).

Term ids are the ranks of the terms' strings, so ordering by id is ordering by string (the
Python road breaks ties between equally rare terms by string).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from provenance.passages import kernel
from provenance.signatures.text_bytes import word_table
from provenance.text.lexicon import STOPWORDS, TermWeights, is_stock, stem
from provenance.text.sentences import Sentence, normalize_token

__all__ = ["Units", "join_units", "prepare_units"]

_DIGIT = re.compile(r"\d")
_WORDS_LIMIT = 2_000_000
_UPPER: dict[int, bool] = {}


class _Terms:
    """What each word key (``kernel.tokenize_spans``) means, remembered for the process: the
    key's content term as a process-wide term number (its stem), or -1 for a stop word or a
    single letter; and each term's string and flags (1: has a digit, 2: a stock word).

    Keys are looked up for a whole document at once (``np.searchsorted`` in a sorted array),
    and only the keys never seen before go through Python (``normalize_token``, Snowball stem);
    they wait in a dict until 4,096 are there, then join the sorted array. A dict lookup per
    distinct word of each document was two fifths of preparing a candidate of an index query.
    Past ``_WORDS_LIMIT`` keys or terms it starts over (memory stays bounded): a new
    numbering (``epoch``). One lock keeps threads that prepare at once from numbering one term
    twice; each lookup answers with the strings, flags and epoch its numbers belong to."""

    def __init__(self) -> None:
        self.lock = getattr(self, "lock", None) or threading.Lock()
        self.keys = np.zeros(0, dtype=np.uint64)  # sorted
        self.numbers = np.zeros(0, dtype=np.int32)  # term number of each key, or -1
        self.recent: dict[int, int] = {}
        self.strings: list[str] = []
        self.number_of: dict[str, int] = {}
        self.flag_list: list[int] = []
        self.flags = np.zeros(0, dtype=np.uint8)  # of each term number, room to grow
        self.flags_set = 0  # terms whose flags are in self.flags
        self.epoch = getattr(self, "epoch", 0)  # which numbering: one more at each start over

    def lookup(self, unique: np.ndarray, first_index: np.ndarray, joined: str,
               tok_start: np.ndarray, tok_end: np.ndarray
               ) -> tuple[np.ndarray, list[str], np.ndarray, int]:
        """The term number of each of the distinct keys ``unique`` (-1: no term), a key's
        word read at token ``first_index[k]``; with the numbering's strings, flags and epoch."""
        with self.lock:
            self._fresh()
            out = self._lookup(unique, first_index, joined, tok_start, tok_end)
            return out, self.strings, self.flags, self.epoch

    def _lookup(self, unique, first_index, joined, tok_start, tok_end) -> np.ndarray:
        if len(self.keys):
            pos = np.minimum(np.searchsorted(self.keys, unique), len(self.keys) - 1)
            hit = self.keys[pos] == unique
            out = np.where(hit, self.numbers[pos], -2).astype(np.int32)
            missing = np.flatnonzero(~hit).tolist()
        else:
            out = np.full(len(unique), -2, dtype=np.int32)
            missing = range(len(unique))
        if not missing:
            return out
        recent, number_of, strings = self.recent, self.number_of, self.strings
        for m, key in zip(missing, unique[missing].tolist(), strict=True):
            number = recent.get(key)
            if number is None:
                at = first_index[m]
                norm = normalize_token(joined[tok_start[at] : tok_end[at]])
                if norm in STOPWORDS or (len(norm) == 1 and norm.isalpha()):
                    number = -1
                else:
                    term = stem(norm)
                    number = number_of.get(term)
                    if number is None:
                        number = number_of[term] = len(strings)
                        strings.append(term)
                        self.flag_list.append((_DIGIT.search(term) is not None)
                                              + 2 * is_stock(term))
                recent[key] = number
            out[m] = number
        if len(self.flags) < len(strings):  # grown by half at least: amortized
            grown = np.zeros(max(len(strings), len(self.flags) * 3 // 2), dtype=np.uint8)
            grown[: len(self.flag_list)] = self.flag_list
            self.flags = grown
        elif len(self.flag_list) > self.flags_set:
            self.flags[self.flags_set : len(self.flag_list)] = self.flag_list[self.flags_set :]
        self.flags_set = len(self.flag_list)
        if len(recent) >= 4096:
            self._settle()
        return out

    def _settle(self) -> None:
        """The recent keys into the sorted array."""
        add = np.fromiter(self.recent.keys(), dtype=np.uint64, count=len(self.recent))
        numbers = np.fromiter(self.recent.values(), dtype=np.int32, count=len(self.recent))
        order = np.argsort(add)
        at = np.searchsorted(self.keys, add[order])
        self.keys = np.insert(self.keys, at, add[order])
        self.numbers = np.insert(self.numbers, at, numbers[order])
        self.recent = {}

    def _fresh(self) -> None:
        """Start over when too many keys or terms are held (between documents only: numbers
        handed out stay valid with the strings and flags handed out with them)."""
        if len(self.keys) + len(self.recent) > _WORDS_LIMIT or len(self.strings) > _WORDS_LIMIT:
            epoch = self.epoch
            self.__init__()
            self.epoch = epoch + 1


_TERMS = _Terms()


class _Strings(Sequence[str]):
    """The strings of term numbers ``numbers``, read from the process-wide list when asked:
    the align road reads few of them (the matched units'), and building the list was a sixth
    of preparing a candidate. Holds the list of its numbering, so a start over of the
    numbering leaves it valid."""

    __slots__ = ("_all", "_numbers")

    def __init__(self, strings: list[str], numbers: np.ndarray) -> None:
        self._all, self._numbers = strings, numbers

    def __len__(self) -> int:
        return len(self._numbers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._all[n] for n in self._numbers[i].tolist()]
        return self._all[self._numbers[i]]

    def __iter__(self):
        return iter([self._all[n] for n in self._numbers.tolist()])


@dataclass(frozen=True, slots=True)
class Units:
    """A corpus's units as arrays: unit ``u`` is a sentence (``u < sentences``) or a window of
    two (after them) of document ``doc[u]``, sentences ``first[u]..last[u]``, characters
    ``start[u]:end[u]``; its terms are ``terms[offsets[u]:offsets[u+1]]`` (ids, ascending)
    with their ``shares``. ``strings[t]`` is term ``t``; ``is_number[t]`` says that it has a
    digit."""

    doc: np.ndarray
    first: np.ndarray
    last: np.ndarray
    start: np.ndarray
    end: np.ndarray
    offsets: np.ndarray
    terms: np.ndarray
    shares: np.ndarray
    sentences: int
    strings: Sequence[str]  # a list, or with by_string=False a view (_Strings)
    is_number: np.ndarray
    is_stock: np.ndarray
    window_first: np.ndarray  # window w = units.sentences + w joins sentence units k, k + 1
    numbers: np.ndarray | None = None
    """With ``by_string=False``: the process-wide number of each term (term ids rank these
    instead of the strings), valid in numbering ``epoch``."""
    epoch: int = -1

    def parts(self, u: int) -> tuple[int, ...]:
        """The sentence units of unit ``u``: itself, or the two of a window."""
        if u < self.sentences:
            return (u,)
        k = int(self.window_first[u - self.sentences])
        return (k, k + 1)

    def term_weights(self, weights: TermWeights, df: np.ndarray) -> np.ndarray:
        """Each term's weight, ``weights(strings[t])`` given its frequency ``df[t]``, computed
        once per distinct (frequency, stock word) rather than once per term."""
        code = df.astype(np.int64) * 2 + self.is_stock
        distinct, inverse = np.unique(code, return_inverse=True)
        values = np.array([weights.of_frequency(c >> 1, bool(c & 1)) for c in distinct.tolist()],
                          dtype=np.float64)
        return values[inverse.ravel()] if len(code) else np.zeros(0, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.doc)

    def document_frequencies(self, documents: int, by_unit: bool = False) -> np.ndarray:
        """In how many documents each term occurs (over sentences; windows repeat them), or
        with ``by_unit`` in how many sentences."""
        end = self.offsets[self.sentences]
        owners = np.repeat(np.arange(self.sentences) if by_unit else self.doc[: self.sentences],
                           np.diff(self.offsets[: self.sentences + 1]))
        return kernel.document_frequencies(owners, self.terms[:end], len(self.strings))


def _capitals(first: np.ndarray) -> np.ndarray:
    """``chr(cp).isupper()`` of each code point, asked once per distinct one."""
    if len(first) == 0:
        return np.zeros(0, dtype=np.bool_)
    table = np.zeros(int(first.max()) + 1, dtype=np.bool_)
    for cp in np.flatnonzero(np.bincount(first)).tolist():
        u = _UPPER.get(cp)
        if u is None:
            u = _UPPER[cp] = chr(cp).isupper()
        table[cp] = u
    return table[first]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by one sort (numpy 2's ``unique`` took 15x longer on 3.4 million
    int64 here: 5.8 s vs 0.38 s)."""
    out = np.sort(values)
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def _group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(unique keys, an index of each, inverse)``, like ``np.unique(..., return_index=True,
    return_inverse=True)`` but with any index of a key rather than its first."""
    order = np.argsort(keys, kind="stable")  # 3x quicker than quicksort on these keys
    ordered = keys[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]] if len(keys) else np.zeros(0, np.bool_)
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], order[new], inverse


def prepare_units(texts: Sequence[str], sentences_by_doc: Sequence[Sequence[Sentence]],
                  windows: bool = True, *, by_string: bool = True) -> Units:
    """The units of ``texts`` (sentences not flagged boilerplate, and windows of two
    consecutive ones when ``windows``) with their content terms. Sentences without a content
    term are not units.

    ``by_string=False``: term ids rank the terms' process-wide numbers (``Units.numbers``)
    rather than their strings -- the same units and terms under other ids, each unit's terms
    in another order. Roads whose results do not depend on the order of terms (sums are exact:
    ``finder.Aligner``) join such units by numbers (:func:`join_units`) without sorting strings."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    base = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=base[1:])
    joined = "".join(texts)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    doc_l, index_l, start_l, end_l = [], [], [], []
    for d, sents in enumerate(sentences_by_doc):
        for s in sents:
            if not s.boilerplate:
                doc_l.append(d)
                index_l.append(s.index)
                start_l.append(s.start)
                end_l.append(s.end)
    span_doc = np.array(doc_l, dtype=np.int64)
    span_index = np.array(index_l, dtype=np.int64)
    span_start = np.array(start_l, dtype=np.int64)
    span_end = np.array(end_l, dtype=np.int64)
    at = base[span_doc] if len(span_doc) else span_doc
    tok_start, tok_end, keys, first, gap, tok_offsets = kernel.tokenize_spans(
        cps, span_start + at, span_end + at, word_table())
    del cps
    unique, first_index, inverse = _group(keys)
    number, all_strings, all_flags, epoch = _TERMS.lookup(unique, first_index, joined,
                                                          tok_start, tok_end)
    used = sorted_unique(number[number >= 0])
    at = np.minimum(np.searchsorted(used, number), max(len(used) - 1, 0))
    if by_string:  # the terms used, ranked by their strings: term ids of this corpus
        names = [all_strings[n] for n in used.tolist()]
        order = sorted(range(len(names)), key=names.__getitem__)
        strings = [names[k] for k in order]
        rank = np.empty(len(used), dtype=np.int32)
        rank[order] = np.arange(len(used), dtype=np.int32)
        numbers = None
    else:  # ranked by their numbers
        strings = _Strings(all_strings, used)
        rank = np.arange(len(used), dtype=np.int32)
        order = rank
        numbers = used
    key_term = np.where(number >= 0, rank[at] if len(used) else -1, -1).astype(np.int32)
    flags = all_flags[used[order]] if len(used) else np.zeros(0, dtype=np.uint8)
    tok_term = key_term[inverse] if len(keys) else np.empty(0, dtype=np.int32)
    terms, shares, offsets = kernel.span_terms(tok_offsets, tok_term, _capitals(first), gap)
    live = np.flatnonzero(np.diff(offsets) > 0)
    # the sentence units, in document and sentence order
    sizes = np.diff(offsets)[live]
    s_offsets = np.zeros(len(live) + 1, dtype=np.int64)
    np.cumsum(sizes, out=s_offsets[1:])
    take = np.repeat(offsets[live], sizes) + (np.arange(int(sizes.sum()))
                                              - np.repeat(s_offsets[:-1], sizes))
    terms, shares, offsets = terms[take], shares[take], s_offsets
    doc, first_s = span_doc[live], span_index[live]
    start, end = span_start[live], span_end[live]
    last = first_s
    n_sent = len(live)
    pair = np.zeros(0, dtype=np.int64)
    if windows and n_sent > 1:
        pair = np.flatnonzero((doc[1:] == doc[:-1]) & (first_s[1:] == first_s[:-1] + 1))
        w_terms, w_shares, w_offsets = kernel.merge_windows(pair, pair + 1, offsets, terms,
                                                            shares)
        terms = np.concatenate([terms, w_terms])
        shares = np.concatenate([shares, w_shares])
        offsets = np.concatenate([offsets, w_offsets[1:] + offsets[-1]])
        doc = np.concatenate([doc, doc[pair]])
        last = np.concatenate([first_s, first_s[pair + 1]])
        first_s = np.concatenate([first_s, first_s[pair]])
        start = np.concatenate([start, start[pair]])
        end = np.concatenate([end, end[pair + 1]])
    is_number = (flags & 1).astype(np.uint8)
    is_stock = (flags & 2).astype(np.bool_)
    return Units(doc, first_s, last, start, end, offsets, terms, shares, n_sent, strings,
                 is_number, is_stock, pair, numbers, epoch if numbers is not None else -1)


def join_units(first: Units, second: Units, first_docs: int) -> Units:
    """The units of two corpora prepared apart, as :func:`prepare_units` gives them for the two
    together (``second``'s documents numbered after ``first``'s ``first_docs``): its sentence
    units, then ``second``'s, then the windows of each. Every unit is prepared from its own
    text alone; only the term ids (ranks of the joint strings) change, keeping each unit's
    order. An index query prepares the query once and joins it to each candidate.

    Units prepared with ``by_string=False`` in one numbering are joined by their numbers (the
    joined units are by number too); otherwise by strings."""
    numbers = None
    if (first.numbers is None) != (second.numbers is None):
        raise ValueError("units with term ids of two kinds (strings, numbers); prepare both "
                         "alike")
    if first.numbers is not None:
        if first.epoch != second.epoch:
            raise ValueError("units of two term numberings; prepare them again")
        numbers = sorted_unique(np.concatenate([first.numbers, second.numbers]))
        strings = _Strings(first.strings._all, numbers)
        map_a = np.searchsorted(numbers, first.numbers).astype(np.int32)
        map_b = np.searchsorted(numbers, second.numbers).astype(np.int32)
    else:
        strings = sorted(set(first.strings).union(second.strings))
        ids = {t: i for i, t in enumerate(strings)}
        map_a = np.array([ids[t] for t in first.strings], dtype=np.int32)
        map_b = np.array([ids[t] for t in second.strings], dtype=np.int32)
    sa, sb = first.sentences, second.sentences
    ea, eb = int(first.offsets[sa]), int(second.offsets[sb])
    terms = np.concatenate([map_a[first.terms[:ea]], map_b[second.terms[:eb]],
                            map_a[first.terms[ea:]], map_b[second.terms[eb:]]])
    shares = np.concatenate([first.shares[:ea], second.shares[:eb], first.shares[ea:],
                             second.shares[eb:]])
    size_a, size_b = np.diff(first.offsets), np.diff(second.offsets)
    sizes = np.concatenate([size_a[:sa], size_b[:sb], size_a[sa:], size_b[sb:]])
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])

    def joined(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.concatenate([x[:sa], y[:sb], x[sa:], y[sb:]])

    is_number = np.zeros(len(strings), dtype=np.uint8)
    is_number[map_a], is_number[map_b] = first.is_number, second.is_number
    is_stock = np.zeros(len(strings), dtype=np.bool_)
    is_stock[map_a], is_stock[map_b] = first.is_stock, second.is_stock
    return Units(joined(first.doc, second.doc + first_docs), joined(first.first, second.first),
                 joined(first.last, second.last), joined(first.start, second.start),
                 joined(first.end, second.end), offsets, terms, shares, sa + sb, strings,
                 is_number, is_stock,
                 np.concatenate([first.window_first, second.window_first + sa]), numbers,
                 first.epoch if numbers is not None else -1)
