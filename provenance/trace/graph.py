"""The provenance graph: who likely repeated whom, every edge with its evidence.

Edges run ``source -> target``:

- ``attributed``: an outside source (outlet or organization) -> a document that credits it;
- ``copied`` / ``rewrote``: a document -> a document that repeats a passage of it verbatim or
  nearly (``copied``) or rewritten (``rewrote``); also an outside source -> a document that gives
  a claim another document credits to that source, without naming it;
- ``reissued``: a document -> a later one of the same outlet that repeats it (an update, a
  correction, a re-run of the outlet's own story: not a copy of someone else's work);
- ``common_source``: two documents that quote the same speaker (``a < b``; no copying implied);
- ``undecided``: two documents sharing passages whose direction the evidence cannot tell.

Nodes are documents, their outlets when known, and the named outside sources. Exports: GraphML
(networkx) and Graphviz DOT.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import networkx as nx

from provenance.documents import Document
from provenance.passages.finder import Passage
from provenance.similarity.pairs import Pair
from provenance.trace.attribution import CREDIT_KINDS, Attribution
from provenance.trace.dates import DateInfo
from provenance.trace.direction import pair_direction, shared_source
from provenance.trace.families import Family

__all__ = [
    "EDGE_KINDS",
    "NEAR_DUPLICATE",
    "Edge",
    "build_edges",
    "family_edges",
    "to_dot",
    "to_graphml",
    "to_networkx",
]

_SPACE = re.compile(r"\s")
NEAR_DUPLICATE = 0.8
"""Document Jaccard from which two documents are one story copied (see :func:`build_edges`)."""
EDGE_KINDS = ("attributed", "copied", "rewrote", "reissued", "common_source", "undecided")


@dataclass(frozen=True, slots=True)
class Edge:
    """``source -> target`` of one ``kind``, with its ``confidence`` (0-1), the ``reasons`` an
    editor can check, and the indices of the ``passages`` (in the analysis's list) behind it."""

    source: str
    target: str
    kind: str
    confidence: float
    reasons: tuple[str, ...]
    passages: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "kind": self.kind,
                "confidence": round(self.confidence, 4), "reasons": list(self.reasons),
                "passages": list(self.passages)}


class _Edges:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str, str], dict] = {}

    def add(self, source, target, kind, confidence, reason, passage=None) -> None:
        if source == target:
            return  # a document attributing to itself, or a source quoting itself
        e = self.found.setdefault((source, target, kind),
                                  {"confidence": 0.0, "reasons": [], "passages": set()})
        e["confidence"] = max(e["confidence"], confidence)
        if reason not in e["reasons"]:
            e["reasons"].append(reason)
        if passage is not None:
            e["passages"].add(passage)

    def edges(self) -> list[Edge]:
        return [Edge(s, t, k, v["confidence"], tuple(v["reasons"]), tuple(sorted(v["passages"])))
                for (s, t, k), v in sorted(self.found.items())]


def build_edges(
    passages: Sequence[Passage],
    attributions: Iterable[Attribution],
    dates: dict[str, DateInfo],
    documents: Sequence[Document] = (),
    pairs: Iterable[Pair] = (),
    max_reasons: int = 20,
) -> list[Edge]:
    """Edges from attributions and passages: a passage that is a shared quotation or credits an
    outside source gives its edges on its own (:func:`direction.shared_source`); the other
    passages of each pair of documents -- and those both of them credit to the same source --
    are weighed together (:func:`direction.pair_direction`, with each document's share of text
    they cover when ``documents`` are given).

    Near-duplicate documents (``pairs`` with Jaccard >= :data:`NEAR_DUPLICATE`) are a copy one
    way or the other: all their passages are weighed together, quotations and credits included
    (the copy explains them; only the credits' ``attributed`` edges stay), and they get a copy
    edge even when they are too short to have passages."""
    by_doc: dict[str, list[Attribution]] = {}
    for att in attributions:
        by_doc.setdefault(att.doc, []).append(att)
    lengths = {d.id: _content_chars(d.text, [(0, len(d.text))]) for d in documents}
    texts = {d.id: d.text for d in documents}
    outlets = {d.id: (d.outlet or "").strip().lower() for d in documents}
    near = {frozenset((p.a, p.b)): p for p in pairs if p.jaccard >= NEAR_DUPLICATE}
    edges = _Edges()
    for doc, atts in sorted(by_doc.items()):
        for att in atts:
            if att.kind in CREDIT_KINDS:
                reason = (f"{doc} credits {att.source} ({att.cue}): "
                          f"\u201c{_short(att.text)}\u201d")
                edges.add(att.source, doc, "attributed", 0.9, reason)
    pooled: dict[tuple[str, str], list[int]] = {}
    for index, p in enumerate(passages):
        verdict = shared_source(p, by_doc)
        whole = frozenset((p.a, p.b)) in near
        if whole or verdict is None or len(verdict.attributed_by) == 2:
            # Both crediting one source does not tell whether one copied the other.
            pooled.setdefault((p.a, p.b), []).append(index)
        if verdict is None:
            continue
        copy_kind = "rewrote" if p.kind == "rewritten" else "copied"
        if verdict.external is not None:
            for doc in (p.a, p.b):
                if doc in verdict.attributed_by:
                    edges.add(verdict.external, doc, "attributed", 0.9, verdict.reasons[0],
                              index)
                elif not whole:
                    edges.add(verdict.external, doc, copy_kind, verdict.confidence,
                              verdict.reasons[0], index)
        elif not whole:
            edges.add(p.a, p.b, "common_source", verdict.confidence, verdict.reasons[0], index)
    for pair in near.values():
        if (pair.a, pair.b) not in pooled and (pair.b, pair.a) not in pooled:
            pooled[(pair.a, pair.b)] = []
    for (a, b), indices in sorted(pooled.items()):
        shared = [passages[i] for i in indices]
        coverage = None
        if a in texts and b in texts and shared:
            coverage = (
                _content_chars(texts[a], [(p.a_start, p.a_end) for p in shared])
                / max(1, lengths[a]),
                _content_chars(texts[b], [(p.b_start, p.b_end) for p in shared])
                / max(1, lengths[b]),
            )
        verdict = pair_direction(a, b, shared, dates, coverage)
        dup = near.get(frozenset((a, b)))
        reasons = list(verdict.reasons)
        if dup is not None:
            reasons.insert(0, f"near-duplicate documents (Jaccard {dup.jaccard:.2f})")
        if verdict.verdict == "undecided":
            source, target, kind = a, b, "undecided"
        else:
            source, target = verdict.source, verdict.target
            kind = "copied" if dup is not None else _copy_kind(shared, target == b)
            if outlets.get(source) and outlets.get(source) == outlets.get(target):
                kind = "reissued"
        for reason in reasons:
            for index in indices or [None]:
                edges.add(source, target, kind, verdict.confidence, reason, index)
    out = edges.edges()
    return [Edge(e.source, e.target, e.kind, e.confidence, e.reasons[:max_reasons], e.passages)
            for e in out]


def family_edges(
    families: Sequence[Family],
    passages: Sequence[Passage],
    attributions: Iterable[Attribution],
    max_reasons: int = 20,
    whole_copies: Iterable[tuple[str, str, float]] = (),
) -> list[Edge]:
    """Document edges derived from the families' trees (the scan's edges).

    Each member with a parent gives ``parent -> member`` of its relation (``copied``,
    ``rewrote``; ``attributed`` when it credits the parent's outlet); a member that gives,
    without naming it, what others credit to an outside source gives ``source -> member``.
    Two members that share a passage but neither took it from the other are siblings: a
    ``common_source`` edge naming their nearest common ancestor (or the quoted speaker, or the
    credited source), never a copy edge. A passage touching an ``undecided`` member gives an
    ``undecided`` edge. Every credit of an outlet or organization is an ``attributed`` edge.

    ``whole_copies`` (``(a, b, jaccard)`` of documents with Jaccard >= :data:`NEAR_DUPLICATE`):
    one story sent again is a copy whatever the family says of its parts -- two re-issues of
    one story, or two copies that both quote a speaker, get a ``reissued`` (same outlet) or
    ``copied`` edge from the earlier to the later when both are dated, not ``common_source``."""
    whole = {frozenset((a, b)): j for a, b, j in whole_copies}
    edges = _Edges()
    for att in attributions:
        if att.kind in CREDIT_KINDS:
            edges.add(att.source, att.doc, "attributed", 0.9,
                      f"{att.doc} credits {att.source} ({att.cue}): \u201c{_short(att.text)}\u201d")
    where: dict[str, list[tuple[Family, int, int]]] = {}
    for f in families:
        for m in f.members:
            where.setdefault(m.doc, []).append((f, m.start, m.end))
    holds = {f.id: {m.doc for m in f.members} for f in families}
    family_of: list[Family | None] = []
    for p in passages:
        home = next((f for f, s, e in where.get(p.a, ()) if s <= p.a_start and p.a_end <= e
                     and p.b in holds[f.id]), None)
        family_of.append(home)
    by_pair: dict[tuple[str, str, str], list[int]] = {}
    by_member: dict[tuple[str, str], list[int]] = {}
    for index, (p, f) in enumerate(zip(passages, family_of, strict=True)):
        if f is not None:
            by_pair.setdefault((f.id, p.a, p.b), []).append(index)
            by_pair.setdefault((f.id, p.b, p.a), []).append(index)
            by_member.setdefault((f.id, p.a), []).append(index)
            by_member.setdefault((f.id, p.b), []).append(index)
    for f in families:
        members = {m.doc: m for m in f.members}
        for m in f.members:
            tag = f"family {f.id} ({f.size} members)"
            if m.parent is not None and m.parent in members:
                kind = "attributed" if m.relation == "credited" else m.relation
                parent_outlet = (members[m.parent].outlet or "").strip().lower()
                if kind in ("copied", "rewrote") and parent_outlet and \
                        parent_outlet == (m.outlet or "").strip().lower():
                    kind = "reissued"  # its own outlet's story, updated or sent again
                for reason in (*m.reasons, tag):
                    for index in by_pair.get((f.id, m.parent, m.doc)) or [None]:
                        edges.add(m.parent, m.doc, kind, m.confidence, reason, index)
            elif f.origin.kind == "source" and m.relation == "credited":
                for index in by_member.get((f.id, m.doc)) or [None]:
                    edges.add(f.origin.name, m.doc, "attributed", m.confidence,
                              f"{m.doc} credits {f.origin.name} for the text of family {f.id}",
                              index)
            elif f.origin.kind == "source" and m.relation in ("copied", "rewrote"):
                for reason in (*m.reasons, tag):
                    for index in by_member.get((f.id, m.doc)) or [None]:
                        edges.add(f.origin.name, m.doc, m.relation, m.confidence, reason,
                                  index)
    by_doc = {f.id: {m.doc: m for m in f.members} for f in families}
    for index, (p, f) in enumerate(zip(passages, family_of, strict=True)):
        if f is None:
            continue
        members = by_doc[f.id]
        ma, mb = members[p.a], members[p.b]
        if ma.parent == mb.doc or mb.parent == ma.doc:
            continue
        a, b = sorted((p.a, p.b))
        order = _earlier(ma, mb) if frozenset((a, b)) in whole else None
        if order is not None:
            first, then = order
            same = (first.outlet or "").strip().lower() == (then.outlet or "").strip().lower()
            edges.add(first.doc, then.doc, "reissued" if same and first.outlet else "copied",
                      0.8, f"near-duplicate documents (Jaccard {whole[frozenset((a, b))]:.2f}): "
                      f"the whole story again; {first.doc} was published first "
                      f"({first.published})", index)
            continue
        if "undecided" in (ma.relation, mb.relation) and f.origin.kind not in ("speaker",
                                                                                "source"):
            reasons = [f"{d}: {r}" for d, mm in ((p.a, ma), (p.b, mb))
                       if mm.relation == "undecided" for r in mm.reasons]
            for reason in reasons:
                edges.add(a, b, "undecided", 0.5, reason, index)
            continue
        common = _common_ancestor(members, p.a, p.b) or f.origin.name or f.origin.doc
        reason = (f"siblings in family {f.id}: both took it from {common}; they share only "
                  "what each took from it" if common else f"siblings in family {f.id}")
        if f.origin.kind == "speaker":
            reason = (f"both quote {f.origin.name or 'the same speaker'}: "
                      f"\u201c{p.quote}\u201d (family {f.id})")
        edges.add(a, b, "common_source", 0.8, reason, index)
    return [Edge(e.source, e.target, e.kind, e.confidence, e.reasons[:max_reasons], e.passages)
            for e in edges.edges()]


def _earlier(ma, mb):
    """``(earlier, later)`` of two members by publication time; None when either is undated
    or both were published at the same time."""
    try:
        ta, tb = (datetime.fromisoformat(m.published) if m.published else None
                  for m in (ma, mb))
        if ta is None or tb is None or ta == tb:
            return None
        return (ma, mb) if ta < tb else (mb, ma)
    except (TypeError, ValueError):  # unreadable, or one with a time zone and one without
        return None


def _common_ancestor(members, a: str, b: str) -> str | None:
    seen, x = [], members[a].parent
    while x is not None and x in members and x not in seen:
        seen.append(x)
        x = members[x].parent
    x = members[b].parent
    visited = set()
    while x is not None and x in members and x not in visited:
        if x in seen or x == a:
            return x
        visited.add(x)
        x = members[x].parent
    return b if b in seen else None


def _content_chars(text: str, spans: Iterable[tuple[int, int]]) -> int:
    """Non-space characters of ``text`` inside the union of ``spans``."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start - len(_SPACE.findall(text, start, end))
            reach = end
    return total


def _copy_kind(shared: Sequence[Passage], target_is_b: bool) -> str:
    """``copied`` when most of the target's shared text is verbatim or nearly so, else
    ``rewrote``."""
    def size(p: Passage) -> int:
        return (p.b_end - p.b_start) if target_is_b else (p.a_end - p.a_start)

    close = sum(size(p) for p in shared if p.kind != "rewritten")
    return "copied" if 2 * close >= sum(size(p) for p in shared) else "rewrote"


def _short(text: str, width: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def to_networkx(documents: Sequence[Document], edges: Sequence[Edge]) -> nx.MultiDiGraph:
    """Documents, their outlets and outside sources as nodes; one edge per ``Edge`` (keyed by
    kind), plus ``published`` edges from an outlet to its documents."""
    g = nx.MultiDiGraph()
    for d in documents:
        g.add_node(d.id, kind="document", outlet=d.outlet or "", title=d.title or "",
                   published=d.published or "")
        if d.outlet:
            g.add_node(d.outlet, kind="outlet")
            g.add_edge(d.outlet, d.id, key="published", kind="published", confidence=1.0,
                       reasons="", passages="")
    for e in edges:
        for node in (e.source, e.target):
            if node not in g:
                g.add_node(node, kind="source")
        g.add_edge(e.source, e.target, key=e.kind, kind=e.kind, confidence=e.confidence,
                   reasons="; ".join(e.reasons), passages=",".join(map(str, e.passages)))
    return g


# Characters XML 1.0 cannot hold (C0 controls but tab, newline and return; surrogates; U+FFFE/F)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DOT_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _xml_safe(value):
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def to_graphml(documents: Sequence[Document], edges: Sequence[Edge]) -> str:
    """The graph as GraphML text. Characters XML cannot hold (control characters in an id,
    say) become U+FFFD, so the file is always well-formed XML."""
    g = to_networkx(documents, edges)
    clean = nx.relabel_nodes(g, {n: _xml_safe(n) for n in g if _xml_safe(n) != n})
    for _, data in clean.nodes(data=True):
        data.update({k: _xml_safe(v) for k, v in data.items()})
    for _, _, data in clean.edges(data=True):
        data.update({k: _xml_safe(v) for k, v in data.items()})
    body = "\n".join(nx.generate_graphml(clean))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _dot_string(text: str) -> str:
    """A DOT quoted string: UTF-8 kept as it is (curly quotes stay curly), quotes and
    backslashes escaped, control characters as spaces."""
    text = _DOT_CONTROL.sub(" ", text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def to_dot(documents: Sequence[Document], edges: Sequence[Edge]) -> str:
    """The graph as Graphviz DOT: documents as boxes, outside sources as ellipses, edges
    labelled with their kind and confidence."""
    g = to_networkx(documents, edges)
    lines = ["digraph provenance {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node, data in sorted(g.nodes(data=True)):
        shape = "box" if data.get("kind") == "document" else "ellipse"
        lines.append(f"  {_dot_string(node)} [shape={shape}];")
    styles = {"copied": "solid", "rewrote": "solid", "reissued": "solid", "attributed": "dashed",
              "common_source": "dotted", "undecided": "dotted", "published": "dotted"}
    for u, v, data in sorted(g.edges(data=True), key=lambda x: (x[0], x[1], x[2]["kind"])):
        label = f"{data['kind']} {data['confidence']:.2f}"
        lines.append(f"  {_dot_string(u)} -> {_dot_string(v)} [label={_dot_string(label)}, "
                     f"style={styles.get(data['kind'], 'solid')}, "
                     f"tooltip={_dot_string(data['reasons'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
