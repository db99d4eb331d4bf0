"""Reuse families: one piece of text, however many documents carry it, with its origin and a
spread tree of who likely took it from whom.

A family is built from passage occurrences: each side of a passage is an occurrence (document,
span); occurrences of one document are merged when they are the same text -- they overlap by
half the shorter one and both partners carry the overlap (or both are pieces of one partner's
text) -- and occurrences linked by passages form one family (connected components). A sentence a
document added inside text it took is not the source's text: a third document that shares only
that sentence does not chain into the source's family. A document that appears twice in a family
(two occurrences chained through other documents) is one member, spanning its first to its last
occurrence. Near-duplicate documents (Jaccard >= 0.8) can be collapsed to one representative
before passages are found (``copies``): the representative's members are expanded to its copies
afterwards, and each near-duplicate cluster is a family of its own (the whole story).

The origin, in order of the evidence:

1. a quotation family (most of its passages are shared quotation): the quoted speaker -- a
   common source, not copying; every member ``quoted``;
2. an outside source members credit ("Politico reported ..."): the crediting members are
   ``credited``, the others gave the claim without naming it;
3. publication times: the earliest-dated member (two or more at the same earliest time: the
   text decides between them, or the origin is ``undecided``);
4. no dates: the member whose version explains the others -- it holds most of what each other
   member has, and most of what any two of them share with each other (``_explains``).

Then each member's parent: among the members before it (earlier in time; without dates,
better at explaining the others), the one holding most of its content words; a parent whose
extra share over its own parent is below ``SIBLING_MARGIN`` is passed over for that parent, so
two members that share only what both took from a third are siblings, not copies. A credit of
another member's outlet makes that member the parent; a cycle of such credits, or a credit the
dates contradict, is ``undecided`` and says so. Families larger than ``TREE_LIMIT`` are not
compared member by member (memory and time stay linear): with dates every later member hangs
from the origin, without them the direction is ``undecided``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from provenance.documents import Document
from provenance.passages.finder import Passage
from provenance.text.lexicon import sentence_terms
from provenance.text.sentences import tokenize
from provenance.trace.attribution import CREDIT_KINDS, Attribution, source_kind
from provenance.trace.dates import DateInfo

__all__ = [
    "RELATIONS",
    "SIBLING_MARGIN",
    "TREE_LIMIT",
    "Churn",
    "Family",
    "Member",
    "Origin",
    "OutletFlow",
    "build_families",
    "churnalism",
    "outlet_flows",
]

RELATIONS = ("origin", "copied", "rewrote", "credited", "quoted", "undecided")
TREE_LIMIT = 300
"""Members up to which a family's tree compares members with each other (quadratic)."""
SIBLING_MARGIN = 0.05
"""Share of a member's content words a parent must hold beyond its own parent to be chosen."""
ORIGIN_MARGIN = 0.05
"""Lead in explaining the others a member needs, without dates, to be the origin."""
FULLER_MARGIN = 0.03
"""Without dates, between two leaders that explain the others about equally: how much more of
the other the origin must hold than the other holds of it."""
MIN_HELD = 0.5
"""Without dates, a parent must hold at least this share of a member's content words."""
COPY_JACCARD = 0.8
"""Content-word Jaccard from which a member is a copy (``copied``) of its parent, not a
rewrite."""
_SPACE = re.compile(r"\s")
_TITLE_NAME = re.compile(
    r"\b(?:Secretary[- ]General|Secretary General|General Secretary|President|Prime Minister|"
    r"Minister|Secretary|Spokes(?:man|woman|person)|Chancellor|Senator|Governor|Mayor|"
    r"Ambassador|Director|Chairman|Chief)\s+((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)")


@dataclass(frozen=True, slots=True)
class Member:
    """One document's occurrence of a family's text: ``[start, end)`` in ``doc``'s text; what
    it credits or quotes; its likely ``parent`` (a doc id, or None) with the ``relation``,
    ``confidence`` and ``reasons``."""

    doc: str
    start: int
    end: int
    outlet: str | None
    published: str | None
    credits: str | None
    quoted: bool
    speaker: str | None
    parent: str | None
    relation: str
    confidence: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"doc": self.doc, "start": self.start, "end": self.end, "outlet": self.outlet,
                "published": self.published, "credits": self.credits, "quoted": self.quoted,
                "speaker": self.speaker, "parent": self.parent, "relation": self.relation,
                "confidence": round(self.confidence, 4), "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a family's text comes from: ``kind`` ``document`` (``doc``), ``source`` (an outside
    source members credit, ``name``), ``speaker`` (a quotation of ``name``) or ``undecided``."""

    kind: str
    doc: str | None
    name: str | None
    reason: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "doc": self.doc, "name": self.name, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Family:
    """One piece of text and the documents that carry it, ``members`` in time order (undated
    last, then by doc id)."""

    id: str
    members: tuple[Member, ...]
    text: str
    origin: Origin
    first_published: str | None
    last_published: str | None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def outlets(self) -> tuple[str, ...]:
        return tuple(sorted({m.outlet for m in self.members if m.outlet}))

    def to_dict(self) -> dict:
        return {"id": self.id, "size": self.size, "text": self.text,
                "origin": self.origin.to_dict(), "first_published": self.first_published,
                "last_published": self.last_published, "outlets": list(self.outlets),
                "members": [m.to_dict() for m in self.members]}


@dataclass(frozen=True, slots=True)
class OutletFlow:
    """Text ``target`` (an outlet, or a document id when it has none) took from ``source``:
    ``passages`` taken (family members), ``credited`` of them, ``first``/``last`` date taken."""

    source: str
    target: str
    passages: int
    credited: int
    first: str | None
    last: str | None

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "passages": self.passages,
                "credited": self.credited, "first": self.first, "last": self.last}


@dataclass(frozen=True, slots=True)
class Churn:
    """The ``share`` (0-1, of non-space characters) of ``doc``'s text found earlier elsewhere,
    and from whom: ``sources`` as (outlet or doc id, share), largest first."""

    doc: str
    share: float
    sources: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict:
        return {"doc": self.doc, "share": round(self.share, 4),
                "sources": [[s, round(v, 4)] for s, v in self.sources]}


# ---------------------------------------------------------------------------------------------
# Grouping occurrences into families


CARRIED = 0.5
"""Share, relative to the whole occurrence, of an overlap's content words a partner must hold
for two occurrences of one document to be one family's text (see ``_components``)."""


class _Carried:
    """Whether the overlap of two occurrences of one document is text both their partners
    carry. Sides are numbered as in ``_components``: ``2k`` is passage ``k``'s side ``a``,
    ``2k + 1`` its side ``b``; a side's partner is ``side ^ 1``. Content words per side are
    computed once, and only for occurrences that overlap."""

    def __init__(self, passages: Sequence[Passage], texts: Mapping[str, str] | None) -> None:
        self.passages, self.texts = passages, texts or {}
        self._terms: dict[int, frozenset[str]] = {}

    def _where(self, side: int) -> tuple[str, int, int, str, int]:
        """``(doc, start, end, text, offset)``: the side's span and a text holding it, where
        ``offset`` is the text's position in the document."""
        p = self.passages[side >> 1]
        doc, start, end, own = ((p.a, p.a_start, p.a_end, p.a_text) if side % 2 == 0
                                else (p.b, p.b_start, p.b_end, p.b_text))
        text = self.texts.get(doc)
        return (doc, start, end, text, 0) if text is not None else (doc, start, end, own, start)

    def partner(self, side: int) -> str:
        return self._where(side ^ 1)[0]

    def terms(self, side: int, start: int | None = None, end: int | None = None) -> frozenset[str]:
        whole = start is None
        if whole and side in self._terms:
            return self._terms[side]
        _, s0, e0, text, offset = self._where(side)
        start, end = (s0, e0) if whole else (max(start, s0), min(end, e0))
        out = _terms(text, start - offset, end - offset) if end > start else frozenset()
        if whole:
            self._terms[side] = out
        return out

    def held(self, side: int, start: int, end: int) -> bool:
        """Does ``side``'s partner hold the words of ``[start, end)`` of ``side``'s document
        about as well as it holds the whole occurrence's (at least ``CARRIED`` of that)?"""
        _, s0, e0, _, _ = self._where(side)
        if start <= s0 and end >= e0:
            return True  # the whole occurrence: held as well as itself
        region = self.terms(side, start, end)
        if not region:
            return True  # no content words: the overlap test alone decides
        whole, partner = self.terms(side), self.terms(side ^ 1)
        share = len(whole & partner) / len(whole) if whole else 0.0
        return len(region & partner) / len(region) >= CARRIED * share

    def same_text(self, side: int, node: _Node) -> bool:
        """May occurrence ``side`` merge with ``node`` (occurrences of the same document)? Yes
        when the node holds an occurrence with the same partner document (two pieces of one
        partner's text: one reuse of it); else the overlap with the node's occurrence it
        overlaps most must be held by both partners."""
        if self.partner(side) in node.partners:
            return True
        _, start, end, _, _ = self._where(side)
        best, most = None, 0
        for (s, e), o in node.spans.items():
            overlap = min(e, end) - max(s, start)
            if overlap > most:
                best, most = o, overlap
        if best is None:
            return False
        _, s, e, _, _ = self._where(best)
        lo, hi = max(s, start), min(e, end)
        return self.held(side, lo, hi) and self.held(best, lo, hi)


SPANS_KEPT = 32
"""Distinct spans a merged occurrence keeps to compare a new occurrence with (the first ones):
a document one text of which thousands of passages share stays linear."""


@dataclass(slots=True, eq=False)
class _Node:
    """Merged occurrences of one document: ``spans`` (distinct ``(start, end)`` -> the first
    side with it, at most ``SPANS_KEPT``) and the ``partners`` (documents) of all of them."""

    spans: dict[tuple[int, int], int]
    partners: set[str]

    def add(self, start: int, end: int, side: int, partner: str) -> None:
        if len(self.spans) < SPANS_KEPT:
            self.spans.setdefault((start, end), side)
        self.partners.add(partner)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _components(passages: Sequence[Passage], texts: Mapping[str, str] | None = None,
                ) -> list[tuple[dict[str, tuple[int, int]], list[int]]]:
    """Families as ``({doc: (start, end)}, [passage indices])``.

    Occurrences of one document are merged when they are the same text found with different
    partners: they overlap by at least half of the shorter one, and the overlap is text both
    partners carry -- the share of its content words the partner's side holds is at least
    ``CARRIED`` of the share the whole occurrence's words it holds (or the two have the same
    partner document: two pieces of one text it took). Occurrences that merely
    touch or overlap by a sentence stay apart, and so does a sentence a document added inside
    text it took (a passage with the source spans it, a passage with a third document is only
    that sentence): the third document shares the addition, not the source's text, so it does
    not chain into the source's family. ``texts`` (doc id -> text) gives the words; without it
    a passage's own ``a_text``/``b_text`` are used."""
    sides: dict[str, list[tuple[int, int, int]]] = {}
    for k, p in enumerate(passages):
        sides.setdefault(p.a, []).append((p.a_start, p.a_end, 2 * k))
        sides.setdefault(p.b, []).append((p.b_start, p.b_end, 2 * k + 1))
    carried = _Carried(passages, texts)
    node_of = [0] * (2 * len(passages))
    spans: list[tuple[str, int, int]] = []
    nodes: list[_Node] = []
    for doc in sorted(sides):
        current: list[int] = []  # indices into spans of this document's open occurrences
        for start, end, side in sorted(sides[doc]):
            home = None
            for n in current:
                _, s0, e0 = spans[n]
                overlap = min(e0, end) - start
                if (overlap > 0 and 2 * overlap >= min(e0 - s0, end - start)
                        and carried.same_text(side, nodes[n])):
                    home = n
                    break
            if home is None:
                spans.append((doc, start, end))
                nodes.append(_Node({}, set()))
                home = len(spans) - 1
                current.append(home)
            else:
                _, s0, e0 = spans[home]
                spans[home] = (doc, s0, max(e0, end))
            nodes[home].add(start, end, side, carried.partner(side))
            current = [n for n in current if spans[n][2] > start]
            node_of[side] = home
    parent = list(range(len(spans)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k in range(len(passages)):
        ra, rb = find(node_of[2 * k]), find(node_of[2 * k + 1])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, tuple[dict[str, tuple[int, int]], list[int]]] = {}
    for n, (doc, s, e) in enumerate(spans):
        members, _ = groups.setdefault(find(n), ({}, []))
        if doc in members:
            s, e = min(s, members[doc][0]), max(e, members[doc][1])
        members[doc] = (s, e)
    for k in range(len(passages)):
        groups[find(node_of[2 * k])][1].append(k)
    return list(groups.values())


# ---------------------------------------------------------------------------------------------
# Evidence per member


@dataclass(slots=True, eq=False)
class _M:
    doc: str
    start: int
    end: int
    outlet: str | None
    published: str | None
    when: datetime | None
    credits: str | None
    quoted: bool
    speaker: str | None
    terms: frozenset[str] = frozenset()
    copy_of: str | None = None  # expanded from this near-duplicate representative
    copy_jaccard: float = 0.0
    parent: str | None = None
    relation: str = "undecided"
    confidence: float = 0.5
    reasons: tuple[str, ...] = ()


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _terms(text: str, start: int, end: int) -> frozenset[str]:
    return frozenset(sentence_terms(text, tokenize(text, start, end)))


def _bare(name: str) -> str:
    return name.lower().removeprefix("the ").strip()


def _speaker(doc: Document, start: int, end: int, people: list[Attribution]) -> str | None:
    """Who a quotation at ``[start, end)`` is of: a person the span names with a title, or the
    nearest person the document credits before or inside the span (within 1,500 characters)."""
    m = _TITLE_NAME.search(doc.text, start, end)
    if m:
        return m.group(1)
    best = None
    for att in people:
        if att.start < end and att.end > start - 1500:
            distance = 0 if att.start >= start else start - att.end
            if best is None or distance < best[0]:
                best = (distance, att.source)
    if best is None:
        return None
    words = best[1].split()
    names = [w for w in words if source_kind(w) == "person" and w[:1].isupper()]
    return " ".join(names[-2:]) if names else best[1]


def _surname(name: str) -> str:
    return name.split()[-1].lower()


def _content_chars(text: str, start: int, end: int) -> int:
    return end - start - len(_SPACE.findall(text, start, end))


# ---------------------------------------------------------------------------------------------
# The tree


def _containment(m: _M, p: _M) -> float:
    return len(m.terms & p.terms) / len(m.terms) if m.terms else 0.0


def _explains(members: list[_M]) -> dict[str, float]:
    """How well each member's version explains the others: the mean of (a) the share of the
    other members' content words it holds and (b) the share of what any two others share with
    each other that it holds (when any two others share anything). Near-identical members
    count once."""
    # Copies are not independent evidence: near-identical members (content-word Jaccard >=
    # COPY_JACCARD) count once, through the fullest of them, and share its score.
    reps: list[_M] = []
    rep_of: dict[str, _M] = {}
    for m in sorted(members, key=lambda m: (-len(m.terms), m.doc)):
        for r in reps:
            union = len(m.terms | r.terms)
            if union and len(m.terms & r.terms) / union >= COPY_JACCARD:
                rep_of[m.doc] = r
                break
        else:
            reps.append(m)
            rep_of[m.doc] = m
    scores = _explain_scores(reps)
    return {m.doc: scores[rep_of[m.doc].doc] for m in members}


def _explain_scores(members: list[_M]) -> dict[str, float]:
    counts = Counter(t for m in members for t in m.terms)
    total_terms = sum(len(m.terms) for m in members)
    pair_total = sum(c * (c - 1) // 2 for c in counts.values())
    out = {}
    for o in members:
        held = sum(counts[t] - 1 for t in o.terms)
        others = total_terms - len(o.terms)
        a = held / others if others else 0.0
        held_pairs = sum((counts[t] - 1) * (counts[t] - 2) // 2 for t in o.terms)
        denominator = pair_total - sum(counts[t] - 1 for t in o.terms)
        out[o.doc] = (a + held_pairs / denominator) / 2 if denominator > 0 else a
    return out


def _words(m: _M, text: str, terms: Iterable[str], limit: int = 4) -> str:
    """Surface words of ``text`` for some content terms (stems), in text order."""
    wanted, seen = set(terms), []
    for tok in tokenize(text, m.start, m.end):
        for term in sentence_terms(text, [tok]):
            if term in wanted and term not in {s for s, _ in seen}:
                seen.append((term, text[tok.start:tok.end]))
    return ", ".join(w for _, w in seen[:limit])


def _copy_kind(m: _M, p: _M) -> str:
    union = len(m.terms | p.terms)
    return "copied" if union and len(m.terms & p.terms) / union >= COPY_JACCARD else "rewrote"


def _order_key(m: _M):
    return (m.when is None, m.when or datetime.min, m.doc)


def _tree(members: list[_M], texts: Mapping[str, str]) -> Origin:
    """Decide the origin among documents and each member's parent (in place)."""
    by_doc = {m.doc: m for m in members}
    dated = sorted((m for m in members if m.when), key=_order_key)
    small = len(members) <= TREE_LIMIT
    explain = _explains(members) if small else {}
    origin: _M | None = None
    if dated:
        first = [m for m in dated if m.when == dated[0].when]
        if len(first) == 1:
            origin = first[0]
            reason = f"{origin.doc} was published first ({origin.published})"
        else:
            names = ", ".join(m.doc for m in first[:5]) + (" ..." if len(first) > 5 else "")
            ranked = sorted(first, key=lambda m: (-explain.get(m.doc, 0.0), m.doc))
            lead = (explain.get(ranked[0].doc, 0.0) - explain.get(ranked[1].doc, 0.0)
                    if small else 0.0)
            if small and lead >= ORIGIN_MARGIN:
                origin = ranked[0]
                reason = (f"{len(first)} members were published at the same time "
                          f"({first[0].published}); {origin.doc}'s version explains the others "
                          f"best (holds {explain[origin.doc]:.0%} of what they have)")
            else:
                reason = (f"{len(first)} members were published at the same time "
                          f"({first[0].published}: {names}) and the text does not tell which "
                          "came first")
    elif small and len(members) >= 2:
        ranked = sorted(members, key=lambda m: (-explain[m.doc], -len(m.terms), m.doc))
        first, second = ranked[0], ranked[1]
        lead = explain[first.doc] - explain[second.doc]
        # When the two leaders explain the others about equally, the first is the origin if it
        # is also the fuller of the two (it holds more of the other than the other of it):
        # two signals agreeing.
        fuller = _containment(second, first) - _containment(first, second)
        if lead >= ORIGIN_MARGIN or fuller >= FULLER_MARGIN:
            origin = first
            reason = (f"no publication dates: {origin.doc}'s version explains the others (holds "
                      f"{explain[origin.doc]:.0%} of what they have and share, vs "
                      f"{explain[ranked[1].doc]:.0%} for {ranked[1].doc})")
            if lead < ORIGIN_MARGIN:
                reason += (f"; it holds {_containment(second, first):.0%} of {second.doc}'s "
                           f"content words, {second.doc} {_containment(first, second):.0%} of "
                           "its")
        else:
            reason = (f"no publication dates, and no version explains the others clearly "
                      f"({ranked[0].doc} {explain[ranked[0].doc]:.0%}, {ranked[1].doc} "
                      f"{explain[ranked[1].doc]:.0%})")
    else:
        reason = (f"no publication dates, and the family is too large ({len(members):,} "
                  f"members > {TREE_LIMIT}) to weigh versions against each other")

    # Place members: the origin, then by time (dated) or by how well they explain the others.
    if origin is not None:
        origin.parent, origin.relation, origin.confidence = None, "origin", (
            0.9 if origin.when else 0.6)
        origin.reasons = (reason,)
    placed: list[_M] = [origin] if origin else []
    rest = sorted((m for m in members if m is not origin),
                  key=lambda m: (m.when is None, m.when or datetime.min,
                                 -explain.get(m.doc, 0.0), -len(m.terms), m.doc))
    for m in rest:
        if not small:  # linear: no member-by-member comparison
            later = origin is not None and m.when is not None and origin.when < m.when
            _choose_parent(m, [origin] if later else [], by_doc, origin, small, texts)
            continue
        if m.when is not None:
            candidates = [p for p in placed if p.when is not None and p.when < m.when]
        elif dated:
            candidates = list(placed)
        else:  # without dates: a parent holds more of the member than the member holds of
            # it, or explains the family clearly better (a rewrite that adds to its source)
            candidates = [p for p in placed if _containment(m, p) > _containment(p, m)
                          or explain[p.doc] - explain[m.doc] >= ORIGIN_MARGIN]
        _choose_parent(m, candidates, by_doc, origin, small, texts)
        placed.append(m)
    return (Origin("document", origin.doc, None, reason) if origin
            else Origin("undecided", None, None, reason))


def _choose_parent(m: _M, candidates: list[_M], by_doc: dict[str, _M], origin: _M | None,
                   small: bool, texts: Mapping[str, str]) -> None:
    if not candidates:
        if m.when is not None and origin is not None and origin.when == m.when:
            why = (f"published at the same time as {origin.doc} ({m.published}); which came "
                   "first cannot be told")
        elif m.when is not None and origin is None:
            why = f"published {m.published}, with no earlier member whose time is known"
        else:
            why = "no member's version clearly explains this one"
        m.parent, m.relation, m.confidence, m.reasons = None, "undecided", 0.5, (why,)
        return
    if not small:
        p = origin if origin in candidates else candidates[0]
        m.parent, m.relation, m.confidence = p.doc, "copied" if m.copy_of else "rewrote", 0.7
        m.reasons = (f"published after {p.doc} ({p.published} vs {m.published}); the family is "
                     f"too large ({len(by_doc):,} members > {TREE_LIMIT}) to compare members "
                     f"with each other, so it hangs from the origin",)
        return
    best = max(enumerate(candidates), key=lambda ip: (_containment(m, ip[1]), -ip[0]))[1]
    chosen = best
    # Siblings: pass over a parent that holds little beyond what its own parent holds.
    while chosen.parent is not None and chosen.parent in by_doc:
        up = by_doc[chosen.parent]
        if up not in candidates or _containment(m, up) < _containment(m, chosen) - SIBLING_MARGIN:
            break
        chosen = up
    reasons = []
    if m.when is not None and chosen.when is not None:
        reasons.append(f"published after {chosen.doc} ({chosen.published} vs {m.published})")
        confidence = 0.85
    else:
        if _containment(m, chosen) < MIN_HELD:
            m.parent, m.relation, m.confidence = None, "undecided", 0.5
            m.reasons = (f"the closest version, {chosen.doc}, holds only "
                         f"{_containment(m, chosen):.0%} of its content words: too little to "
                         "say it came from there",)
            return
        reasons.append("no publication dates: from the text alone")
        if _containment(chosen, m) >= _containment(m, chosen):
            reasons.append(f"{chosen.doc}'s version explains the family better than this one")
        confidence = 0.6
    reasons.append(f"holds {_containment(m, chosen):.0%} of {chosen.doc}'s content words"
                   + (f" (and {_containment(m, origin):.0%} of the origin {origin.doc}'s)"
                      if origin is not None and origin is not chosen else ""))
    if chosen is not origin and origin is not None and chosen.doc in texts:
        added = (m.terms & chosen.terms) - origin.terms
        if added:
            reasons.append(f"keeps what {chosen.doc} added to the origin: "
                           f"{_words(m, texts[m.doc], added)}")
    if best is not chosen:
        reasons.append(f"shares with {best.doc} only what both took from {chosen.doc}: "
                       "siblings, not a copy")
    if m.copy_of:
        reasons.append(f"a near-duplicate of {m.copy_of} (Jaccard {m.copy_jaccard:.2f}), "
                       "its span found through it")
    m.parent, m.relation = chosen.doc, ("copied" if m.copy_of == chosen.doc
                                        else _copy_kind(m, chosen))
    m.confidence, m.reasons = confidence, tuple(reasons)


def _apply_credits(members: list[_M]) -> None:
    """A member crediting another member's outlet took it from that member -- unless the
    credits form a cycle or the dates contradict them (then ``undecided``, saying why)."""
    outlets: dict[str, list[_M]] = {}
    for m in members:
        if m.outlet:
            outlets.setdefault(_bare(m.outlet), []).append(m)
    links = {}
    for m in members:
        if m.credits and _bare(m.credits) in outlets:
            targets = [p for p in outlets[_bare(m.credits)] if p is not m]
            if targets:
                links[m.doc] = (m, sorted(targets, key=_order_key)[0])
    for _doc, (m, p) in sorted(links.items()):
        back = links.get(p.doc)
        if back is not None and back[1] is m:
            m.parent, m.relation, m.confidence = None, "undecided", 0.5
            m.reasons = (f"{m.doc} credits {m.credits} ({p.doc}) and {p.doc} credits "
                         f"{p.credits} ({m.doc}): the credits form a cycle, so who took it "
                         "from whom is undecided",)
        elif m.when and p.when and m.when < p.when:
            m.parent, m.relation, m.confidence = None, "undecided", 0.5
            m.reasons = (f"{m.doc} credits {m.credits}, but was published before {p.doc} "
                         f"({m.published} vs {p.published}): the credit and the dates "
                         "disagree, so the direction is undecided",)
        else:
            m.parent, m.relation, m.confidence = p.doc, "credited", 0.9
            m.reasons = (f"{m.doc} credits {m.credits}, the outlet of {p.doc}",)


# ---------------------------------------------------------------------------------------------
# Families


def build_families(
    documents: Sequence[Document],
    passages: Sequence[Passage],
    attributions: Iterable[Attribution],
    dates: Mapping[str, DateInfo],
    copies: Mapping[str, Sequence[tuple[str, float]]] | None = None,
    *,
    clusters: bool = True,
) -> list[Family]:
    """Families from ``passages`` (over ``documents``), with origins and trees.

    ``copies``: representative doc id -> its near-duplicates ``(doc id, Jaccard)`` left out of
    passage finding; each representative's members are expanded to them (spans mapped from the
    representative's text), and each cluster becomes a family of its own (``clusters=False``:
    not here -- the Spark engine builds the clusters' families apart from the passages')."""
    docs = {d.id: d for d in documents}
    copies = copies or {}
    by_doc: dict[str, list[Attribution]] = {}
    for att in attributions:
        by_doc.setdefault(att.doc, []).append(att)
    groups = _components(passages, {d: docs[d].text for d in docs})
    for rep, dups in sorted(copies.items()):
        if dups and clusters:
            whole = {rep: (0, len(docs[rep].text))}
            groups.append((whole, []))
    raw = []
    for spans, indices in groups:
        size = len(spans) + sum(len(copies.get(doc, ())) for doc in spans)
        weigh = size <= TREE_LIMIT  # content words only where members are compared
        quoted_passages = [passages[i] for i in indices if passages[i].quoted]
        quotation = bool(indices) and 2 * len(quoted_passages) > len(indices)
        members: list[_M] = []
        for doc, (start, end) in spans.items():
            members.append(_member(docs[doc], start, end, dates, by_doc, quotation, weigh))
            for dup, jaccard in copies.get(doc, ()):
                s, e = _map_span(docs[doc].text, docs[dup].text, start, end, len(spans) == 1)
                extra = _member(docs[dup], s, e, dates, by_doc, quotation, weigh)
                extra.copy_of, extra.copy_jaccard = doc, jaccard
                members.append(extra)
        if len(members) < 2:
            continue
        raw.append(_finish(members, [passages[i] for i in indices], quotation, docs))
    raw.sort(key=lambda f: (-f.size, f.members[0].doc if f.members else "",
                            min(m.doc for m in f.members), min(m.start for m in f.members)))
    return [Family(f"f{i}", f.members, f.text, f.origin, f.first_published, f.last_published)
            for i, f in enumerate(raw, start=1)]


def _map_span(rep: str, dup: str, start: int, end: int, whole: bool) -> tuple[int, int]:
    """A representative's span in one of its near-duplicates: where its first and last 40
    characters occur; the whole document when they do not."""
    if whole:
        return 0, len(dup)
    head, tail = rep[start:min(end, start + 40)], rep[max(start, end - 40):end]
    s = dup.find(head)
    e = dup.find(tail, max(s, 0))
    if s < 0 or e < 0:
        return 0, len(dup)
    return s, e + len(tail)


def _member(doc: Document, start: int, end: int, dates, by_doc, quotation: bool,
            weigh: bool = True) -> _M:
    info = dates.get(doc.id)
    published = info.published if info else None
    atts = by_doc.get(doc.id, [])
    credits = next((a.source for a in atts if a.kind in CREDIT_KINDS and a.start < end
                    and start < a.end), None)
    speaker = None
    if quotation:
        speaker = _speaker(doc, start, end, [a for a in atts if a.kind == "person"])
    return _M(doc.id, start, end, doc.outlet, published, _when(published), credits, quotation,
              speaker, _terms(doc.text, start, end) if weigh else frozenset())


def _finish(members: list[_M], passages: list[Passage], quotation: bool,
            docs: Mapping[str, Document]) -> Family:
    texts = {m.doc: docs[m.doc].text for m in members}
    outlets = {_bare(m.outlet) for m in members if m.outlet}
    outside = Counter(m.credits for m in members
                      if m.credits and _bare(m.credits) not in outlets)
    if quotation:
        votes = Counter(_surname(m.speaker) for m in members if m.speaker)
        full: dict[str, str] = {}
        for m in members:
            if m.speaker and len(m.speaker) > len(full.get(_surname(m.speaker), "")):
                full[_surname(m.speaker)] = m.speaker
        # A name ("Jens Stoltenberg") before an office ("head of NATO") when the votes tie.
        name = full[sorted(votes, key=lambda k: (-votes[k], full[k][:1].islower(), k))[0]] \
            if votes else None
        quote = next((p.quote for p in passages if p.quote), "")
        origin = Origin("speaker", None, name,
                        f"the members quote {name or 'the same speaker'}: \u201c{quote}\u201d "
                        "-- a common source, not a copy")
        for m in members:
            m.relation, m.parent, m.confidence = "quoted", None, 0.8
            m.reasons = (f"quotes {name or 'the same words'}: \u201c{quote}\u201d",)
    else:
        origin = _tree(members, texts)
        _apply_credits(members)
        if outside:
            name = sorted(outside, key=lambda k: (-outside[k], k))[0]
            by = sorted(m.doc for m in members if m.credits == name)
            others = sorted(f"{k} ({v})" for k, v in outside.items() if k != name)
            origin = Origin("source", None, name,
                            f"{', '.join(by)} credit{'s' if len(by) == 1 else ''} {name}"
                            + (f"; also credited: {', '.join(others)}" if others else ""))
            crediting = [m for m in members if m.credits == name]
            for m in members:
                if m.credits == name:
                    m.parent, m.relation, m.confidence = None, "credited", 0.9
                    m.reasons = (f"credits {name}",)
                elif m.relation in ("origin", "undecided") or m.when is None:
                    p = max(crediting, key=lambda c: (_containment(m, c), c.doc))
                    kind = _copy_kind(m, p)
                    m.parent, m.relation, m.confidence = None, kind, 0.8
                    m.reasons = (f"gives what {p.doc} credits to {name} without naming "
                                 "it",)
                else:
                    m.reasons = m.reasons + (f"{name} is credited by {', '.join(by)}; "
                                             f"{m.doc} does not name it",)
    ordered = sorted(members, key=_order_key)
    fullest = max(enumerate(ordered),
                  key=lambda im: (_content_chars(texts[im[1].doc], im[1].start, im[1].end),
                                  -im[0]))[1]
    stamps = [m.published for m in ordered if m.when]
    return Family("", tuple(_freeze(m) for m in ordered),
                  texts[fullest.doc][fullest.start:fullest.end], origin,
                  stamps[0] if stamps else None, stamps[-1] if stamps else None)


def _freeze(m: _M) -> Member:
    return Member(m.doc, m.start, m.end, m.outlet, m.published, m.credits, m.quoted, m.speaker,
                  m.parent, m.relation, round(m.confidence, 4), m.reasons)


# ---------------------------------------------------------------------------------------------
# Outlet flows and churnalism


def _who(m: Member) -> str:
    return m.outlet or m.doc


def outlet_flows(families: Sequence[Family]) -> list[OutletFlow]:
    """For each ordered pair of outlets (a document without outlet counts as its own id): the
    family members ``target`` took from ``source`` (a member's parent, or the outside source
    it credits or gives without naming), how many credited, the first and last date taken."""
    flows: dict[tuple[str, str], list] = {}
    for f in families:
        members = {m.doc: m for m in f.members}
        for m in f.members:
            if m.parent is not None and m.parent in members:
                source = _who(members[m.parent])
            elif f.origin.kind == "source" and m.relation in ("credited", "copied", "rewrote"):
                source = f.origin.name
            else:
                continue
            entry = flows.setdefault((source, _who(m)), [0, 0, None, None])
            entry[0] += 1
            entry[1] += m.relation == "credited" or (m.credits is not None
                                                     and _bare(m.credits) == _bare(source))
            if m.published:
                entry[2] = min(entry[2] or m.published, m.published)
                entry[3] = max(entry[3] or m.published, m.published)
    return [OutletFlow(s, t, *v) for (s, t), v in
            sorted(flows.items(), key=lambda kv: (-kv[1][0], kv[0]))]


def churnalism(documents: Sequence[Document], families: Sequence[Family]) -> list[Churn]:
    """Per document, the share of its text (non-space characters) found earlier elsewhere --
    in the family members it took from another member (its parent) or, without naming it,
    from an outside source another member credits -- and from whom."""
    taken = taken_spans(families)
    return [document_churn(d.id, d.text, taken.get(d.id, {})) for d in documents]


def taken_spans(families: Iterable[Family]) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """doc id -> source -> the spans of the document taken from that source (a member's
    parent, by outlet or doc id, or the outside source a ``source`` origin names)."""
    taken: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for f in families:
        members = {m.doc: m for m in f.members}
        for m in f.members:
            if m.parent is not None and m.parent in members:
                source = _who(members[m.parent])
            elif f.origin.kind == "source" and m.relation in ("copied", "rewrote"):
                source = f.origin.name
            else:
                continue
            taken.setdefault(m.doc, {}).setdefault(source, []).append((m.start, m.end))
    return taken


def document_churn(doc: str, text: str,
                   by_source: Mapping[str, Sequence[tuple[int, int]]]) -> Churn:
    """One document's :class:`Churn` from the spans each source gave it (``taken_spans``)."""
    chars = max(1, _content_chars(text, 0, len(text)))
    spans = [s for v in by_source.values() for s in v]
    share = sum(_content_chars(text, s, e) for s, e in _merge_spans(spans)) / chars
    sources = sorted(((src, sum(_content_chars(text, s, e) for s, e in _merge_spans(list(v)))
                       / chars) for src, v in by_source.items()),
                     key=lambda x: (-x[1], x[0]))
    return Churn(doc, min(1.0, share), tuple(sources))
