"""A self-contained HTML report: heat map, pairs, passages side by side, provenance graph.

One file, no network: the page's CSS and JavaScript are inlined, and everything taken from the
articles travels as one JSON document inside ``<script type="application/json">`` (with ``<``,
``>`` and ``&`` escaped, so no text can close the script element). The page builds every element
with ``textContent`` -- article text is never parsed as HTML -- and a Content-Security-Policy
forbids any fetch. :func:`report_data` is that JSON (for other tools); :func:`render_report` the
page.

Scale: the heat map is a canvas, not a DOM cell per pair; above :data:`BLOCKS` rows, documents are
grouped into blocks (a block shows its most similar pair; clicking it lists its pairs). Documents
are ordered so that similar ones sit together: average-linkage clustering of ``1 - Jaccard``
when the exact matrix exists, else by cluster.
"""

from __future__ import annotations

import json
import re
from importlib import resources

import networkx as nx

from provenance.errors import ConfigError
from provenance.scan import Analysis
from provenance.similarity.order import document_order as order_documents

__all__ = ["BLOCKS", "document_order", "render_report", "report_data"]

BLOCKS = 400
"""The heat map draws at most this many rows; more documents are grouped into blocks."""
_UNKNOWN_OUTLET = "(no outlet)"


def document_order(analysis: Analysis) -> list[int]:
    """Document indices, similar documents next to each other."""
    return order_documents([d.id for d in analysis.documents], analysis.matrix,
                           analysis.clusters)


def _layout(edges, documents) -> dict[str, tuple[float, float]]:
    g = nx.Graph()
    g.add_nodes_from(sorted({e["source"] for e in edges} | {e["target"] for e in edges}))
    for e in edges:
        g.add_edge(e["source"], e["target"])
    if not g:
        return {}
    pos = nx.spring_layout(g, seed=1, k=1.5 / max(1, len(g)) ** 0.5)
    return {node: (round(float(x), 4), round(float(y), 4)) for node, (x, y) in pos.items()}


def report_data(analysis: Analysis, by: str = "document", max_edges: int = 300) -> dict:
    """Everything the page shows, as JSON-ready data (see the module's docstring)."""
    if by not in ("document", "outlet"):
        raise ConfigError(f"by must be 'document' or 'outlet', not {by!r}")
    docs = analysis.documents
    index = {d.id: i for i, d in enumerate(docs)}
    base = analysis.to_dict()
    passages_of: dict[tuple[int, int], list[int]] = {}
    for k, p in enumerate(analysis.passages):
        a, b = sorted((index[p.a], index[p.b]))
        passages_of.setdefault((a, b), []).append(k)
    pairs = []
    known = set()
    for p in analysis.pairs:
        a, b = index[p.a], index[p.b]
        known.add((min(a, b), max(a, b)))
        pairs.append({"a": a, "b": b, "jaccard": round(p.jaccard, 4),
                      "a_in_b": round(p.containment_a_in_b, 4),
                      "b_in_a": round(p.containment_b_in_a, 4),
                      "passages": passages_of.get((min(a, b), max(a, b)), [])})
    jac = analysis.matrix.jaccard() if analysis.matrix is not None else None
    cont = analysis.matrix.containment() if analysis.matrix is not None else None
    for (a, b), found in sorted(passages_of.items()):
        if (a, b) not in known:  # passages between documents below --min-score
            pairs.append({"a": a, "b": b,
                          "jaccard": round(float(jac[a, b]), 4) if jac is not None else 0.0,
                          "a_in_b": round(float(cont[a, b]), 4) if cont is not None else 0.0,
                          "b_in_a": round(float(cont[b, a]), 4) if cont is not None else 0.0,
                          "passages": found})
    pairs.sort(key=lambda p: (-p["jaccard"], -len(p["passages"]), p["a"], p["b"]))

    order = document_order(analysis)
    if by == "document":
        items = [{"label": docs[i].id, "documents": [i]} for i in order]
        position = {doc: k for k, doc in enumerate(order)}
    else:
        outlets = sorted({d.outlet or _UNKNOWN_OUTLET for d in docs})
        slot = {o: k for k, o in enumerate(outlets)}
        items = [{"label": o, "documents": []} for o in outlets]
        for i, d in enumerate(docs):
            items[slot[d.outlet or _UNKNOWN_OUTLET]]["documents"].append(i)
        position = {i: slot[d.outlet or _UNKNOWN_OUTLET] for i, d in enumerate(docs)}
    cells: dict[tuple[int, int], list] = {}
    for k, p in enumerate(pairs):
        i, j = sorted((position[p["a"]], position[p["b"]]))
        cell = cells.setdefault((i, j), [i, j, 0.0, []])
        cell[2] = max(cell[2], p["jaccard"])
        cell[3].append(k)

    edges = sorted(base["edges"], key=lambda e: (e["kind"] == "undecided", -e["confidence"],
                                                 e["source"], e["target"], e["kind"]))
    shown = edges[:max_edges]
    pos = _layout(shown, docs)
    nodes = [{"id": node, "kind": "document" if node in index else "source",
              "x": xy[0], "y": xy[1]} for node, xy in sorted(pos.items())]
    attributions: dict[str, list[dict]] = {}
    for a in base["attributions"]:
        attributions.setdefault(a["doc"], []).append(
            {"source": a["source"], "kind": a["kind"], "cue": a["cue"], "text": a["text"]})
    documents = [{**d, "attributions": attributions.get(d["id"], [])} for d in base["documents"]]
    return {
        "version": base["version"],
        "config": base["config"],
        "by": by,
        "documents": documents,
        "items": items,
        "cells": [cells[key] for key in sorted(cells)],
        "pairs": pairs,
        "passages": base["passages"],
        "graph": {"nodes": nodes, "edges": shown, "total_edges": len(edges)},
        "clusters": base["clusters"],
        "skipped": base["skipped"],
    }


def _script_json(data: dict) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_report(analysis: Analysis, by: str = "document", max_edges: int = 300,
                  title: str = "provenance report") -> str:
    """The report as one self-contained HTML page."""
    import html

    assets = resources.files("provenance.render") / "assets"
    page = (assets / "report.html").read_text(encoding="utf-8")
    css = (assets / "report.css").read_text(encoding="utf-8")
    js = (assets / "report.js").read_text(encoding="utf-8")
    data = _script_json(report_data(analysis, by=by, max_edges=max_edges))
    # Our own assets are inserted verbatim; the only outside text is the title (escaped) and
    # the data (escaped for a script element above).
    values = {"title": html.escape(title), "css": css, "js": js, "data": data}
    return re.sub(r"\{\{(title|css|js|data)\}\}", lambda m: values[m.group(1)], page)
