"""Results as terminal text: the scan report, tables of passages and edges, the matrix, and
the side-by-side view of two articles. Every function returns a string.
"""

from __future__ import annotations

from tabulate import tabulate

from provenance.passages.finder import Passage
from provenance.scan import Analysis
from provenance.similarity.pairs import SimilarityMatrix

__all__ = [
    "MATRIX_TABLE_LIMIT",
    "compare_view",
    "edges_table",
    "matrix_table",
    "passages_table",
    "table_report",
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


def _marked(text: str, start: int, tokens, changed: set[int], left: str, right: str) -> str:
    """The passage text with runs of changed words wrapped in ``left``/``right``."""
    out, pos, k = [], start, 0
    while k < len(tokens):
        if k in changed:
            first = k
            while k + 1 < len(tokens) and k + 1 in changed:
                k += 1
            out.append(text[pos : tokens[first].start])
            out.append(left + text[tokens[first].start : tokens[k].end] + right)
            pos = tokens[k].end
        k += 1
    out.append(text[pos : tokens[-1].end if tokens else pos])
    return "".join(out)


def _changed(tokens, other) -> set[int]:
    """Content words of ``tokens`` whose stem the other side does not use (rewrites reorder
    words, so this is a bag-of-stems comparison, not a sequence diff)."""
    from provenance.text.lexicon import STOPWORDS, stem

    theirs = {stem(t.norm) for t in other}
    return {i for i, t in enumerate(tokens)
            if t.norm not in STOPWORDS and stem(t.norm) not in theirs}


def compare_view(passages, text_a: str, text_b: str, width: int = 100) -> str:
    """Aligned passages side by side; content words only ``a`` has are marked ``[-...-]``,
    those only ``b`` has ``{+...+}``."""
    from textwrap import wrap

    from provenance.text.sentences import tokenize

    col = max(20, (width - 3) // 2)
    parts = []
    for n, p in enumerate(passages, start=1):
        ta, tb = tokenize(text_a, p.a_start, p.a_end), tokenize(text_b, p.b_start, p.b_end)
        left = _marked(text_a, p.a_start, ta, _changed(ta, tb), "[-", "-]")
        right = _marked(text_b, p.b_start, tb, _changed(tb, ta), "{+", "+}")
        lines_a = wrap(" ".join(left.split()), col) or [""]
        lines_b = wrap(" ".join(right.split()), col) or [""]
        quoted = f"  quoted: \u201c{p.quote}\u201d" if p.quoted else ""
        parts.append(f"#{n} {p.kind}  score {p.score:.3f}{quoted}")
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
