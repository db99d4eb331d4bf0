"""A self-contained HTML report a journalist reads: the story first, then the evidence.

The page answers, in order: which passages travelled (the largest *families*, each as a
sentence and a timeline of its members, one row per outlet, with the spread tree's arrows);
who took from whom (a layered spread graph, by document or by outlet); which outlets feed which
(an outlet x outlet matrix of passages taken and credited, and each outlet's churnalism share);
how similar the documents are (a heat map on an absolute 0-1 scale); and the pairs, passages and
documents behind all of it, with titles and outlets wherever an id would appear.

One file, no network: CSS and JavaScript are inlined, and everything taken from the articles
travels as one JSON document inside ``<script type="application/json">`` (with ``<``, ``>`` and
``&`` escaped, so no text can close the script element). The page builds every element with
``textContent`` -- article text is never parsed as HTML -- and a Content-Security-Policy forbids
any fetch. :func:`report_data` is that JSON (for other tools); :func:`render_report` the page.

Renderers never compute results: the marked words come from
:func:`provenance.passages.marks.passage_marks`, the graph's layers from networkx, the counts
from the analysis. Past :class:`Limits` the page summarizes (top families, top pairs, blocks of
the heat map, the first rows of the documents) and says what it left out and how to get it.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import networkx as nx

from provenance._version import __version__
from provenance.errors import ConfigError
from provenance.passages.marks import passage_marks, span_marks
from provenance.render.counts import counts
from provenance.scan import Analysis
from provenance.similarity.order import document_order as order_documents

__all__ = ["BLOCKS", "LAYOUTS", "Limits", "counts", "document_order", "render_report",
           "report_data"]

BLOCKS = 400
"""The heat map draws at most this many rows; more documents are grouped into blocks."""
LAYOUTS = ("depth", "time")
"""Spread graph layouts: columns by tree depth (origin first) or by publication day."""
_UNKNOWN_OUTLET = "(no outlet)"
_DIRECTED = ("attributed", "copied", "rewrote")


@dataclass(frozen=True, slots=True)
class Limits:
    """What the page shows in full before it summarizes. ``families``: families told as
    stories; ``members``: members of one family shown side by side; ``pairs``: rows of the
    pairs table; ``documents``: rows of the documents table; ``text``: characters of one
    member's or passage's text on the page."""

    families: int = 30
    members: int = 40
    pairs: int = 300
    documents: int = 500
    text: int = 1500


def document_order(analysis: Analysis) -> list[int]:
    """Document indices, similar documents next to each other."""
    return order_documents([d.id for d in analysis.documents], analysis.matrix,
                           analysis.clusters)


def _records(analysis: Analysis, name: str, given) -> list[dict]:
    """The families data (issue 14's contract) as JSON dicts: ``given`` when passed, else the
    analysis's own field when it has one, else none."""
    found = given if given is not None else getattr(analysis, name, ())
    return [x if isinstance(x, dict) else x.to_dict() for x in found or ()]


def _epoch(value: str | None) -> float | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _when(value: str | None) -> str:
    """``2026-03-01 09:12 UTC`` from an ISO string (the date alone at midnight)."""
    t = _epoch(value)
    if t is None:
        return "undated"
    moment = datetime.fromtimestamp(t, tz=UTC)
    if moment.hour == moment.minute == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# --- families ---------------------------------------------------------------------------------

def _family_sentence(family: dict, label) -> str:
    """"This passage appeared in 14 outlets; first Reuters, 2026-03-01 09:12 UTC; 9 credited a
    source, 5 did not." from one family's dict."""
    members = family["members"]
    named = sorted({m["outlet"] for m in members if m["outlet"]})
    if len(named) > 1:
        where = f"{len(named)} outlets" + (
            f" ({len(members)} documents)" if len(members) > len(named) else "")
    else:
        where = f"{len(members)} documents" + (f" of {named[0]}" if named else "")
    parts = [f"This passage appeared in {where}"]
    origin = family.get("origin") or {}
    first = next((m for m in members if m["published"]), None)
    if origin.get("kind") == "source" and origin.get("name"):
        parts.append(f"credited to {origin['name']}")
    elif origin.get("kind") == "speaker" and origin.get("name"):
        parts.append(f"quoting {origin['name']}")
    if first is not None:
        parts.append(f"first {label(first)}, {_when(first['published'])}")
    elif origin.get("kind") == "document" and origin.get("doc"):
        parts.append(f"fullest in {origin['doc']}")
    others = [m for m in members if m["relation"] != "origin"]
    credited = [m for m in others if m["credits"] or m["relation"] == "credited"]
    quoting = [m for m in others if m not in credited and (m["quoted"] or
                                                          m["relation"] == "quoted")]
    rest = len(others) - len(credited) - len(quoting)
    if others:
        names = sorted({m["credits"] for m in credited if m["credits"]})
        told = [f"{len(credited)} credited " + (names[0] if len(names) == 1 else "a source")]
        if quoting:
            told.append(f"{len(quoting)} quoted " + (origin.get("name") or "the speaker")
                        if origin.get("kind") == "speaker" else f"{len(quoting)} quoted it")
        told.append(f"{rest} did not")
        parts.append(", ".join(told))
    return "; ".join(parts) + "."


def _families(families: list[dict], analysis: Analysis, index: dict[str, int],
              limits: Limits) -> list[dict]:
    docs = analysis.documents

    def label(m: dict) -> str:
        return m["outlet"] or (docs[index[m["doc"]]].title if m["doc"] in index else None) \
            or m["doc"]

    out = []
    for family in families[: limits.families]:
        members = family["members"]
        by_doc = {m["doc"]: m for m in members}
        fullest = max(members, key=lambda m: (m["end"] - m["start"], m["doc"] == (
            (family.get("origin") or {}).get("doc")))) if members else None
        shown = []
        for m in members[: limits.members]:
            ref = by_doc.get(m["parent"]) if m["parent"] else None
            ref = ref if ref is not None and ref is not m else (fullest if fullest is not m
                                                                else None)
            entry = {"doc": index.get(m["doc"]), "id": m["doc"], "outlet": m["outlet"],
                     "published": m["published"], "t": _epoch(m["published"]),
                     "when": _when(m["published"]), "relation": m["relation"],
                     "confidence": m["confidence"], "credits": m["credits"],
                     "quoted": m["quoted"], "speaker": m["speaker"],
                     "reasons": list(m["reasons"]), "parent": m["parent"],
                     "start": m["start"], "end": m["end"], "text": "", "marks": None,
                     "against": None}
            if m["doc"] in index:
                text = docs[index[m["doc"]]].text
                entry["text"] = text[m["start"]: min(m["end"], m["start"] + limits.text)]
                if ref is not None and ref["doc"] in index:
                    other = docs[index[ref["doc"]]].text
                    marks = span_marks(other, ref["start"], ref["end"], text, m["start"],
                                       m["end"])
                    cut = m["start"] + len(entry["text"])
                    entry["marks"] = {"rule": marks.rule, "b": [
                        x.to_list(m["start"]) for x in marks.b if x.end <= cut]}
                    entry["against"] = ref["doc"]
            shown.append(entry)
        out.append({"id": family["id"], "size": family["size"],
                    "text": family["text"][: limits.text], "origin": family["origin"],
                    "first_published": family["first_published"],
                    "last_published": family["last_published"],
                    "outlets": family["outlets"], "sentence": _family_sentence(family, label),
                    "members": shown, "members_left_out": len(members) - len(shown)})
    return out


def _flows(flows: list[dict], churn: list[dict], analysis: Analysis,
           index: dict[str, int]) -> dict:
    outlets = sorted({f["source"] for f in flows} | {f["target"] for f in flows})
    slot = {o: k for k, o in enumerate(outlets)}
    cells = [[slot[f["source"]], slot[f["target"]], f["passages"], f["credited"]]
             for f in flows]
    shares: dict[str, list[float]] = defaultdict(list)
    for c in churn:
        if c["doc"] in index:
            d = analysis.documents[index[c["doc"]]]
            shares[d.outlet or d.id].append(float(c["share"]))
    churnalism = sorted(([o, round(sum(v) / len(v), 4), len(v)] for o, v in shares.items()),
                        key=lambda r: (-r[1], r[0]))
    return {"outlets": outlets, "cells": sorted(cells), "churnalism": churnalism}


# --- the spread graph -------------------------------------------------------------------------

def _layers(g: nx.DiGraph, layout: str, when: dict[str, float | None]) -> dict[str, int]:
    """Column of every node: its depth in the spread tree (longest chain of directed edges
    from an origin; cycles collapsed by networkx's condensation) or its publication day."""
    directed = nx.DiGraph()
    directed.add_nodes_from(g)
    directed.add_edges_from((u, v) for u, v, k in g.edges(data="kind") if k in _DIRECTED)
    if layout == "time":
        days = sorted({int(t // 86400) for t in when.values() if t is not None})
        rank = {day: k + 1 for k, day in enumerate(days)}
        last = len(days) + 1
        return {v: 0 if v not in when else rank[int(when[v] // 86400)]
                if when[v] is not None else last for v in g}
    dag = nx.condensation(directed)
    depth: dict[int, int] = {}
    for c in nx.topological_sort(dag):
        depth[c] = max((depth[p] + 1 for p in dag.predecessors(c)), default=0)
    return {v: depth[dag.graph["mapping"][v]] for v in g}


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else math.inf


def _graph(edges: list[dict], layout: str, when: dict[str, float | None]) -> dict:
    """Nodes with their column (``layer``) and row (``order``). Rows: a column's nodes sorted by
    the mean row of their predecessors, then the first column by the mean row of its nodes'
    successors and the rest again (barycentre sweeps: fewer crossings); ties by id, so the
    order is deterministic."""
    g = nx.DiGraph()
    for e in edges:
        g.add_edge(e["source"], e["target"], kind=e["kind"])
    if not g:
        return {"nodes": [], "edges": edges}
    layer = _layers(g, layout, when)
    columns = sorted(set(layer.values()))
    row: dict[str, int] = {}

    def place(k: int, neighbours) -> None:
        column = sorted((v for v in g if layer[v] == k), key=lambda v: (
            _mean([row[p] for p in neighbours(v) if p in row]), v))
        for r, v in enumerate(column):
            row[v] = r

    for k in columns:
        place(k, g.predecessors)
    place(columns[0], g.successors)
    for k in columns[1:]:
        place(k, g.predecessors)
    nodes = [{"id": v, "layer": layer[v], "order": row[v]} for v in sorted(g)]
    return {"nodes": nodes, "edges": edges}


def _outlet_edges(edges, analysis: Analysis, index: dict[str, int]) -> tuple[list[dict], int]:
    """Edges between outlets: width = passages taken; same-outlet edges dropped (counted)."""
    def outlet(node: str) -> str:
        if node in index:
            d = analysis.documents[index[node]]
            return d.outlet or d.id
        return node

    merged: dict[tuple[str, str, str], dict] = {}
    inside = 0
    for e in edges:
        s, t = outlet(e.source), outlet(e.target)
        if s == t:
            inside += 1
            continue
        m = merged.setdefault((s, t, e.kind), {"source": s, "target": t, "kind": e.kind,
                                               "confidence": 0.0, "edges": 0, "passages": 0,
                                               "reasons": []})
        m["confidence"] = max(m["confidence"], round(e.confidence, 4))
        m["edges"] += 1
        m["passages"] += len(e.passages)
        if len(m["reasons"]) < 3:
            m["reasons"].append(e.reasons[0] if e.reasons else "")
    return list(merged.values()), inside


# --- the data ---------------------------------------------------------------------------------

def report_data(analysis: Analysis, by: str = "document", max_edges: int = 300, *,
                layout: str = "depth", limits: Limits | None = None, families=None,
                outlet_flows=None, churnalism=None) -> dict:
    """Everything the page shows, as JSON-ready data (see the module's docstring).

    ``families``, ``outlet_flows`` and ``churnalism`` default to the analysis's own (records or
    their ``to_dict()``); pass them to render a report from data computed elsewhere.
    """
    if by not in ("document", "outlet"):
        raise ConfigError(f"by must be 'document' or 'outlet', not {by!r}")
    if layout not in LAYOUTS:
        raise ConfigError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    limits = limits or Limits()
    docs = analysis.documents
    index = {d.id: i for i, d in enumerate(docs)}
    fams = _records(analysis, "families", families)
    flows = _records(analysis, "outlet_flows", outlet_flows)
    churn = _records(analysis, "churnalism", churnalism)
    left_out: list[str] = []

    # pairs: scan's list, and the pairs that share a passage below --min-score (said so)
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
                      "b_in_a": round(p.containment_b_in_a, 4), "listed": True,
                      "passages": passages_of.get((min(a, b), max(a, b)), [])})
    jac = analysis.matrix.jaccard() if analysis.matrix is not None else None
    cont = analysis.matrix.containment() if analysis.matrix is not None else None
    for (a, b), found in sorted(passages_of.items()):
        if (a, b) not in known:
            pairs.append({"a": a, "b": b,
                          "jaccard": round(float(jac[a, b]), 4) if jac is not None else 0.0,
                          "a_in_b": round(float(cont[a, b]), 4) if cont is not None else 0.0,
                          "b_in_a": round(float(cont[b, a]), 4) if cont is not None else 0.0,
                          "listed": False, "passages": found})
    pairs.sort(key=lambda p: (-p["jaccard"], -len(p["passages"]), p["a"], p["b"]))

    # the heat map: rows (documents or outlets), grouped into blocks past BLOCKS rows
    order = document_order(analysis)
    if by == "document":
        rows = [[i] for i in order]
        position = {doc: k for k, doc in enumerate(order)}
        labels = None
    else:
        outlets = sorted({d.outlet or _UNKNOWN_OUTLET for d in docs})
        slot = {o: k for k, o in enumerate(outlets)}
        rows = [[] for _ in outlets]
        for i, d in enumerate(docs):
            rows[slot[d.outlet or _UNKNOWN_OUTLET]].append(i)
        position = {i: slot[d.outlet or _UNKNOWN_OUTLET] for i, d in enumerate(docs)}
        labels = outlets
    block = max(1, math.ceil(len(rows) / BLOCKS))
    cells: dict[tuple[int, int], list] = {}
    for k, p in enumerate(pairs):
        i, j = sorted((position[p["a"]] // block, position[p["b"]] // block))
        cell = cells.setdefault((i, j), [i, j, 0.0, 0, k])
        if p["jaccard"] > cell[2]:
            cell[2], cell[4] = p["jaccard"], k
        cell[3] += 1

    # The page lists the most similar pairs and, as many again, the pairs with the most
    # passages (near-duplicates may have one passage only: one story, not repeated passages);
    # a pair that is both leaves its place to the next most similar one.
    # A cell names its most similar pair when that pair is on the page (-1: in the JSON).
    half = limits.pairs // 2
    by_passages = sorted((k for k, p in enumerate(pairs) if p["passages"]),
                         key=lambda k: (-len(pairs[k]["passages"]), k))
    shown = set(range(min(len(pairs), limits.pairs - min(half, len(by_passages)))))
    shown |= set([k for k in by_passages if k not in shown][:half])
    shown |= set([k for k in range(len(pairs)) if k not in shown][:limits.pairs - len(shown)])
    shown_pairs = sorted(shown)
    renumber = {k: n for n, k in enumerate(shown_pairs)}
    for c in cells.values():
        c[4] = renumber.get(c[4], -1)
    if len(pairs) > len(shown_pairs):
        left_out.append(f"The page lists {len(shown_pairs):,} of {len(pairs):,} pairs (the most "
                        "similar, and those sharing the most passages; the heat map counts them "
                        "all); every pair is in `provenance scan --format json`.")

    # the spread graph
    edges = sorted(analysis.edges, key=lambda e: (e.kind == "undecided", -e.confidence,
                                                  e.source, e.target, e.kind))
    when = {d.id: _epoch(analysis.dates[d.id].published if d.id in analysis.dates else None)
            for d in docs}
    inside = 0
    if by == "outlet":
        merged, inside = _outlet_edges(edges, analysis, index)
        merged.sort(key=lambda e: (-e["passages"], -e["edges"], e["source"], e["target"],
                                   e["kind"]))
        shown_edges = merged[:max_edges]
        total_edges = len(merged)
        outlet_when: dict[str, float | None] = {}
        for d in docs:
            t = when[d.id]
            key = d.outlet or d.id
            if t is not None:
                outlet_when[key] = min(t, outlet_when.get(key) or t)
            else:
                outlet_when.setdefault(key, None)
        graph = _graph(shown_edges, layout, outlet_when)
    else:
        shown_edges = [e.to_dict() for e in edges[:max_edges]]
        total_edges = len(edges)
        graph = _graph(shown_edges, layout, when)
    graph.update(total_edges=total_edges, same_outlet_edges=inside, by=by, layout=layout)
    if total_edges > len(shown_edges):
        left_out.append(f"The spread graph shows the {len(shown_edges):,} strongest of "
                        f"{total_edges:,} edges (raise --max-edges); every edge is in "
                        "`provenance trace --format json`.")

    # passages the page can open: those of the shown pairs and edges, with their marks
    wanted = sorted({k for n in shown_pairs for k in pairs[n]["passages"]}
                    | {k for e in shown_edges if by == "document" for k in e["passages"]})
    passages = {}
    for k in wanted:
        p = analysis.passages[k]
        entry = p.to_dict()
        entry["a_text"], entry["b_text"] = p.a_text[: limits.text], p.b_text[: limits.text]
        marks = passage_marks(p).to_dict(relative_to=p)
        for side in ("a", "b"):
            cut = len(entry[f"{side}_text"])
            marks[side] = [m for m in marks[side] if m[1] <= cut]
        entry["marks"] = marks
        entry["a"], entry["b"] = index[p.a], index[p.b]
        passages[str(k)] = entry
    if len(wanted) < len(analysis.passages):
        left_out.append(f"{len(wanted):,} of {len(analysis.passages):,} passages can be opened "
                        "here (those of the listed pairs and edges); all are in "
                        "`provenance passages --format json`.")

    family_view = _families(fams, analysis, index, limits)
    if len(fams) > len(family_view):
        left_out.append(f"The story shows the {len(family_view)} largest of {len(fams):,} "
                        "families; all are in `provenance trace --format json`.")
    if len(docs) > limits.documents:
        left_out.append(f"The documents table lists the first {limits.documents:,} of "
                        f"{len(docs):,} documents; all are in `provenance scan --format json`.")

    attributions: dict[str, list[list[str]]] = {}
    for a in analysis.attributions:
        entry = [a.source, a.cue]
        found = attributions.setdefault(a.doc, [])
        if entry not in found:
            found.append(entry)
    documents = []
    for i, d in enumerate(docs):
        entry = {"id": d.id, "title": d.title, "outlet": d.outlet}
        if i < limits.documents:  # the rows of the documents table
            info = analysis.dates.get(d.id)
            entry.update(published=info.published if info else None, chars=len(d.text),
                         shingles=analysis.shingle_counts[i],
                         attributions=attributions.get(d.id, []))
        documents.append(entry)
    return {
        "version": __version__,
        "config": analysis.config.to_dict(),
        "counts": counts(analysis, fams),
        "by": by,
        "documents": documents,
        "rows": rows,
        "row_labels": labels,
        "block": block,
        "cells": [cells[key] for key in sorted(cells)],
        "pairs": [pairs[k] for k in shown_pairs],
        "passages": passages,
        "families": family_view,
        "flows": _flows(flows, churn, analysis, index),
        "graph": graph,
        "clusters": [list(c) for c in analysis.clusters],
        "skipped": [s.to_dict() for s in analysis.skipped],
        "left_out": left_out,
        "limits": {"documents": limits.documents},
    }


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _script_json(data: dict) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left. Bidi
    embedding, override and isolate controls (U+202A-E, U+2066-9) are shown as ``[U+202E]``:
    an id holding one would otherwise reverse the text drawn after it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = _BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_report(analysis: Analysis, by: str = "document", max_edges: int = 300,
                  title: str = "provenance report", *, layout: str = "depth",
                  limits: Limits | None = None, **data) -> str:
    """The report as one self-contained HTML page (``data``: see :func:`report_data`)."""
    assets = resources.files("provenance.render") / "assets"
    page = (assets / "report.html").read_text(encoding="utf-8")
    css = (assets / "report.css").read_text(encoding="utf-8")
    js = (assets / "report.js").read_text(encoding="utf-8")
    found = report_data(analysis, by=by, max_edges=max_edges, layout=layout, limits=limits,
                        **data)
    # Our own assets are inserted verbatim; the only outside text is the title (escaped) and
    # the data (escaped for a script element above).
    values = {"title": html.escape(title), "css": css, "js": js, "data": _script_json(found)}
    return re.sub(r"\{\{(title|css|js|data)\}\}", lambda m: values[m.group(1)], page)

