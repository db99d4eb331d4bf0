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

import networkx as nx

from provenance.documents import Document
from provenance.passages.finder import Passage
from provenance.similarity.pairs import Pair
from provenance.trace.attribution import CREDIT_KINDS, Attribution
from provenance.trace.dates import DateInfo
from provenance.trace.direction import pair_direction, shared_source

__all__ = [
    "EDGE_KINDS",
    "NEAR_DUPLICATE",
    "Edge",
    "build_edges",
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
