"""Results as terminal text: the scan report, tables of passages and edges, the matrix, and
the side-by-side view of two articles. Every function returns a string.
"""

from __future__ import annotations

from tabulate import tabulate

from provenance.passages.finder import Passage
from provenance.render.counts import counts_line
from provenance.scan import Analysis
from provenance.similarity.pairs import SimilarityMatrix

__all__ = [
    "MATRIX_TABLE_LIMIT",
    "compare_view",
    "edges_table",
    "families_table",
    "flows_table",
    "matrix_table",
    "passages_table",
    "table_report",
    "trace_report",
]

MATRIX_TABLE_LIMIT = 12
"""The terminal report shows the matrix up to this many documents."""


def table_report(analysis: Analysis, top: int = 20) -> str:
    """A readable terminal report: documents, top pairs, clusters, the matrix when small."""
    cfg = analysis.config
    docs = analysis.documents
    parts = [
        f"provenance scan: {len(docs)} documents, shingles {cfg.shingle}, "
        f"{cfg.num_perm} permutations, near-duplicate threshold {cfg.threshold:g}",
        counts_line(analysis),
        "",
        "Documents",
        tabulate(
            [
                (d.id, d.outlet or "", f"{len(d.text):,}", len(s), n)
                for d, s, n in zip(docs, analysis.sentences, analysis.shingle_counts,
                                   strict=True)
            ],
            headers=("id", "outlet", "chars", "sentences", "shingles"),
            colalign=("left", "left", "right", "right", "right"),
        ),
        "",
    ]
    shown = analysis.pairs[:top]
    title = f"Most similar pairs (top {len(shown)} of {len(analysis.pairs)})"
    if shown:
        parts += [
            title,
            tabulate(
                [(p.a, p.b, p.jaccard, p.jaccard_estimate, p.containment_a_in_b,
                  p.containment_b_in_a) for p in shown],
                headers=("a", "b", "jaccard", "estimate", "a in b", "b in a"),
                floatfmt=".3f",
            ),
        ]
    else:
        parts.append(f"No pair shares a shingle at a score of {cfg.min_score:g} or more.")
    parts.append("")
    if analysis.clusters:
        parts.append(f"Near-duplicate clusters (Jaccard >= {cfg.threshold:g})")
        parts.append(tabulate([(i + 1, len(c), ", ".join(c)) for i, c in
                               enumerate(analysis.clusters)],
                              headers=("cluster", "size", "documents")))
    else:
        parts.append(f"No near-duplicate clusters at Jaccard >= {cfg.threshold:g}.")
    if analysis.config.passages is not None:
        parts.append("")
        if analysis.passages:
            shown_passages = _top_passages(analysis.passages, top)
            parts += [f"Repeated passages (top {len(shown_passages)} of "
                      f"{len(analysis.passages)} by score)", passages_table(shown_passages)]
        else:
            parts.append("No repeated or rewritten passages found.")
        if analysis.template_passages:
            parts.append(f"{analysis.template_passages} passages set aside as templates of the "
                         f"genre ({len(analysis.templates)} learned from this corpus; see "
                         "'templates' in --format json).")
    traced = [e for e in analysis.edges if e.passages]
    if traced:
        parts += ["", f"Provenance (edges backed by passages, {len(traced)} of "
                      f"{len(analysis.edges)}; all in 'provenance trace')",
                  edges_table(traced[:top], reasons=1)]
    if analysis.matrix is not None and len(docs) <= MATRIX_TABLE_LIMIT:
        parts += ["", "Jaccard matrix", matrix_table(analysis.matrix)]
    if analysis.skipped:
        parts += ["", f"Skipped {len(analysis.skipped)} inputs",
                  tabulate([(s.path, s.reason) for s in analysis.skipped],
                           headers=("path", "reason"))]
    return "\n".join(parts) + "\n"


def matrix_table(matrix: SimilarityMatrix, measure: str = "jaccard") -> str:
    """The matrix with numbered columns (``#1`` ...) and rows labelled ``#1 id``."""
    values = matrix.values(measure)
    rows = [[f"#{i + 1} {doc_id}", *row] for i, (doc_id, row) in
            enumerate(zip(matrix.ids, values, strict=True))]
    headers = ["", *[f"#{i + 1}" for i in range(len(matrix.ids))]]
    return tabulate(rows, headers=headers, floatfmt=".3f")


def _top_passages(passages, top: int) -> list[Passage]:
    return sorted(passages, key=lambda p: (-p.score, p.a, p.b, p.a_start))[:top]


def _excerpt(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def passages_table(passages, width: int = 48) -> str:
    """Passages as a terminal table with excerpts of both sides."""
    return tabulate(
        [(p.a, p.b, p.kind, p.score, "yes" if p.quoted else "", _excerpt(p.a_text, width),
          _excerpt(p.b_text, width)) for p in passages],
        headers=("a", "b", "kind", "score", "quoted", "a says", "b says"),
        floatfmt=".3f",
    )


_DRAW = {"removed": ("[-", "-]"), "added": ("{+", "+}"), "shared": ("[=", "=]")}
"""How the terminal draws each meaning of :mod:`provenance.passages.marks`."""


def _drawn(text: str, start: int, end: int, marks) -> str:
    """``text[start:end]`` with each mark wrapped in its meaning's delimiters."""
    out, pos = [], start
    for m in marks:
        left, right = _DRAW[m.meaning]
        out += [text[pos:m.start], left, text[m.start:m.end], right]
        pos = m.end
    out.append(text[pos:end])
    return "".join(out)


def compare_view(passages, text_a: str, text_b: str, width: int = 100) -> str:
    """Aligned passages side by side, marked by :func:`provenance.passages.marks.passage_marks`:
    in verbatim and near-verbatim passages the edits (``[-...-]`` words ``a`` has that ``b``
    dropped or replaced, ``{+...+}`` words ``b`` has instead); in rewritten passages the content
    words both sides use (``[=...=]``)."""
    from textwrap import wrap

    from provenance.passages.marks import passage_marks

    col = max(20, (width - 3) // 2)
    parts = []
    for n, p in enumerate(passages, start=1):
        marks = passage_marks(p)
        left = _drawn(text_a, p.a_start, p.a_end, marks.a)
        right = _drawn(text_b, p.b_start, p.b_end, marks.b)
        lines_a = wrap(" ".join(left.split()), col) or [""]
        lines_b = wrap(" ".join(right.split()), col) or [""]
        what = "edits marked" if marks.rule == "edits" else "shared words marked"
        parts.append(f"#{n} {p.kind}  score {p.score:.3f}  ({what})")
        if p.quoted:
            parts.append(f"quoted: \u201c{p.quote}\u201d")
        parts.append(f"{f'{p.a} [{p.a_start}:{p.a_end}]':<{col}} | {p.b} [{p.b_start}:{p.b_end}]")
        for i in range(max(len(lines_a), len(lines_b))):
            la = lines_a[i] if i < len(lines_a) else ""
            lb = lines_b[i] if i < len(lines_b) else ""
            parts.append(f"{la:<{col}} | {lb}".rstrip())
        parts.append("")
    return "\n".join(parts)


def edges_table(edges, reasons: int | None = None, width: int = 90) -> str:
    """Provenance edges: source, target, kind, confidence, passages and reasons (the first
    ``reasons`` of each, all when None), each reason on its own line."""
    rows = []
    for e in edges:
        shown = e.reasons if reasons is None else e.reasons[:reasons]
        text = "\n".join(_excerpt(r, width) for r in shown)
        rows.append((e.source, e.target, e.kind, e.confidence,
                     ",".join(map(str, e.passages)), text))
    return tabulate(rows, headers=("source", "target", "kind", "confidence", "passages",
                                   "reasons"), floatfmt=".2f")


def _origin_words(family) -> str:
    o = family.origin
    if o.kind == "document":
        return f"{o.doc} (earliest or fullest version)"
    if o.kind == "source":
        return f"{o.name} (credited outside source)"
    if o.kind == "speaker":
        return f"quotation of {o.name or 'an unnamed speaker'} (common source, not copying)"
    return "undecided"


def families_table(families, top: int | None = None, width: int = 100) -> str:
    """Families, largest first: the origin and why, then the members in time order with their
    outlet, date, relation to their parent, and whether they credit the source."""
    parts = []
    shown = families if top is None else families[:top]
    for f in shown:
        outlets = f", outlets: {', '.join(f.outlets)}" if f.outlets else ""
        parts.append(f"Family {f.id}: {f.size} members{outlets}")
        parts.append(f"  text: {_excerpt(f.text, width)}")
        parts.append(f"  origin: {_origin_words(f)} -- {_excerpt(f.origin.reason, width)}")
        rows = []
        for m in f.members:
            if m.relation == "origin":
                how = "origin"
            elif m.parent:
                how = f"{m.relation} from {m.parent}"
            elif m.relation in ("copied", "rewrote") and f.origin.name:
                how = f"{m.relation} from {f.origin.name}"
            else:
                how = m.relation
            credit = (f"credits {m.credits}" if m.credits else
                      ("quotes " + (m.speaker or "?") if m.quoted else "no credit"))
            rows.append((m.doc, m.outlet or "", m.published or "undated", how, credit,
                         f"{m.confidence:.2f}", _excerpt(m.reasons[0], width) if m.reasons
                         else ""))
        parts.append(tabulate(rows, headers=("member", "outlet", "published", "relation",
                                             "credit", "conf.", "why")))
        parts.append("")
    if top is not None and len(families) > top:
        parts.append(f"... {len(families) - top} more families (--format json lists all)")
    return "\n".join(parts)


def flows_table(flows, top: int | None = None) -> str:
    """Outlet flows: who took how many passages from whom, how many credited, when."""
    shown = flows if top is None else flows[:top]
    return tabulate([(f.source, f.target, f.passages, f.credited, f.first or "", f.last or "")
                     for f in shown],
                    headers=("from", "to", "passages", "credited", "first", "last"))


def trace_report(analysis: Analysis, top: int = 50, width: int = 100) -> str:
    """The ``trace`` table: families first (largest first), then outlet flows, then edges."""
    if not analysis.families and not analysis.edges:
        return "No attributions or repeated passages: no families and no provenance edges.\n"
    parts = [f"{len(analysis.families)} families, {len(analysis.outlet_flows)} outlet flows, "
             f"{len(analysis.edges)} edges among {len(analysis.documents)} documents",
             counts_line(analysis), ""]
    if analysis.families:
        parts += ["Families (largest first)", "", families_table(analysis.families, top, width)]
    if analysis.outlet_flows:
        parts += ["Outlet flows (a document without outlet counts as itself)", "",
                  flows_table(analysis.outlet_flows, top), ""]
    if analysis.edges:
        parts += ["Document edges (derived from the families)", "",
                  edges_table(analysis.edges, width=width * 4)]
    return "\n".join(parts) + "\n"
