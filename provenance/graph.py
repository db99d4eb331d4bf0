"""The provenance graph: who likely repeated whom, every edge with its evidence.

Edges run ``source -> target``:

- ``attributed``: an outside source (outlet or organization) -> a document that credits it;
- ``copied`` / ``rewrote``: a document -> a document that repeats a passage of it verbatim or
  nearly (``copied``) or rewritten (``rewrote``); also an outside source -> a document that gives
  a claim another document credits to that source, without naming it;
- ``common_source``: two documents that quote the same speaker (``a < b``; no copying implied);
- ``undecided``: two documents sharing a passage whose direction the evidence cannot tell.

Nodes are documents, their outlets when known, and the named outside sources. Exports: GraphML
(networkx) and Graphviz DOT.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from .attribution import Attribution
from .dates import DateInfo
from .direction import direction
from .documents import Document
from .passages import Passage
from .similarity import Pair

__all__ = ["EDGE_KINDS", "Edge", "build_edges", "to_dot", "to_graphml", "to_networkx"]

EDGE_KINDS = ("attributed", "copied", "rewrote", "common_source", "undecided")


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
    pairs: Iterable[Pair] = (),
    max_reasons: int = 20,
) -> list[Edge]:
    """Edges from passages (directed by :func:`direction.direction`) and attributions."""
    by_doc: dict[str, list[Attribution]] = {}
    for att in attributions:
        by_doc.setdefault(att.doc, []).append(att)
    pair_of = {(p.a, p.b): p for p in pairs}
    edges = _Edges()
    for doc, atts in sorted(by_doc.items()):
        for att in atts:
            if att.kind != "person":
                reason = (f"{doc} credits {att.source} ({att.cue}): "
                          f"\u201c{_short(att.text)}\u201d")
                edges.add(att.source, doc, "attributed", 0.9, reason)
    for index, p in enumerate(passages):
        verdict = direction(p, dates, by_doc, pair_of.get((p.a, p.b)))
        copy_kind = "rewrote" if p.kind == "rewritten" else "copied"
        if verdict.external is not None:
            for doc in (p.a, p.b):
                if doc in verdict.attributed_by:
                    edges.add(verdict.external, doc, "attributed", 0.9, verdict.reasons[0],
                              index)
                else:
                    edges.add(verdict.external, doc, copy_kind, verdict.confidence,
                              verdict.reasons[0], index)
        elif verdict.verdict == "common_source":
            edges.add(p.a, p.b, "common_source", verdict.confidence, verdict.reasons[0], index)
        elif verdict.verdict == "undecided":
            for reason in verdict.reasons:
                edges.add(p.a, p.b, "undecided", verdict.confidence, reason, index)
        else:
            for reason in verdict.reasons:
                edges.add(verdict.source, verdict.target, copy_kind, verdict.confidence, reason,
                          index)
    out = edges.edges()
    return [Edge(e.source, e.target, e.kind, e.confidence, e.reasons[:max_reasons], e.passages)
            for e in out]


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


def to_graphml(documents: Sequence[Document], edges: Sequence[Edge]) -> str:
    """The graph as GraphML text."""
    body = "\n".join(nx.generate_graphml(to_networkx(documents, edges)))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def to_dot(documents: Sequence[Document], edges: Sequence[Edge]) -> str:
    """The graph as Graphviz DOT: documents as boxes, outside sources as ellipses, edges
    labelled with their kind and confidence."""
    g = to_networkx(documents, edges)
    lines = ["digraph provenance {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node, data in sorted(g.nodes(data=True)):
        shape = "box" if data.get("kind") == "document" else "ellipse"
        lines.append(f"  {json.dumps(node)} [shape={shape}];")
    styles = {"copied": "solid", "rewrote": "solid", "attributed": "dashed",
              "common_source": "dotted", "undecided": "dotted", "published": "dotted"}
    for u, v, data in sorted(g.edges(data=True), key=lambda x: (x[0], x[1], x[2]["kind"])):
        label = f"{data['kind']} {data['confidence']:.2f}"
        lines.append(f"  {json.dumps(u)} -> {json.dumps(v)} [label={json.dumps(label)}, "
                     f"style={styles.get(data['kind'], 'solid')}, "
                     f"tooltip={json.dumps(data['reasons'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
