"""``analyze``: documents in, an :class:`Analysis` out, one named and timed phase per stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from provenance._version import __version__
from provenance.documents import Document, Skipped
from provenance.errors import InputError
from provenance.options import ScanOptions
from provenance.passages.finder import Passage, find_passages
from provenance.progress import Clock, Progress, no_progress
from provenance.read.files import Corpus
from provenance.signatures import (
    SignedBatch,
    char_unit_hashes,
    estimate_jaccard,
    sign,
    word_unit_hashes,
)
from provenance.similarity.candidates import candidate_pairs, lsh_params
from provenance.similarity.pairs import (
    Pair,
    SimilarityMatrix,
    clusters,
    exact_matrix,
    intersection_size,
)
from provenance.text.sentences import Sentence, sentences, words
from provenance.text.templates import Template, learn_templates, site_boilerplate, site_of
from provenance.trace.attribution import Attribution, attributions
from provenance.trace.dates import DateInfo, date_info
from provenance.trace.families import (
    Churn,
    Family,
    OutletFlow,
    build_families,
    churnalism,
    outlet_flows,
)
from provenance.trace.graph import NEAR_DUPLICATE, Edge, family_edges

__all__ = ["COLLAPSE_AT", "Analysis", "Progress", "analyze", "document_units",
           "representative_rank"]

COLLAPSE_AT = 20
"""Near-duplicate clusters larger than this are aligned through one representative, and list
their pairs with their first document only."""
STAR_ABOVE = 32
"""Above ``matrix_limit``: a band key held by more documents pairs them with its first only."""

@dataclass(frozen=True)
class Analysis:
    """Everything a scan found, with the configuration that produced it."""

    config: ScanOptions
    documents: tuple[Document, ...]
    sentences: tuple[tuple[Sentence, ...], ...]
    shingle_counts: tuple[int, ...]
    pairs: tuple[Pair, ...]
    clusters: tuple[tuple[str, ...], ...]
    skipped: tuple[Skipped, ...] = ()
    matrix: SimilarityMatrix | None = None
    passages: tuple[Passage, ...] = ()
    attributions: tuple[Attribution, ...] = ()
    dates: dict[str, DateInfo] = field(default_factory=dict)
    edges: tuple[Edge, ...] = ()
    templates: tuple[Template, ...] = ()
    template_passages: int = 0  # passages set aside as template matches
    families: tuple[Family, ...] = ()
    outlet_flows: tuple[OutletFlow, ...] = ()
    churnalism: tuple[Churn, ...] = ()
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """The JSON contract: sorted keys and stable order give byte-identical output."""
        return {
            "version": __version__,
            "config": self.config.to_dict(),
            "documents": [
                {
                    "id": d.id,
                    "path": d.path,
                    "outlet": d.outlet,
                    "published": d.published,
                    "title": d.title,
                    "url": d.url,
                    "author": d.author,
                    "encoding": d.encoding,
                    "notes": list(d.notes),
                    "chars": len(d.text),
                    "sentences": len(s),
                    "boilerplate_sentences": sum(x.boilerplate for x in s),
                    "shingles": n,
                    **_date_fields(self.dates.get(d.id)),
                }
                for d, s, n in zip(self.documents, self.sentences, self.shingle_counts,
                                   strict=True)
            ],
            "pairs": [p.to_dict() for p in self.pairs],
            "passages": [p.to_dict() for p in self.passages],
            "attributions": [a.to_dict() for a in self.attributions],
            "edges": [e.to_dict() for e in self.edges],
            "templates": [t.to_dict() for t in self.templates],
            "template_passages_set_aside": self.template_passages,
            "families": [f.to_dict() for f in self.families],
            "outlet_flows": [f.to_dict() for f in self.outlet_flows],
            "churnalism": [c.to_dict() for c in self.churnalism],
            "clusters": [list(c) for c in self.clusters],
            "skipped": [s.to_dict() for s in self.skipped],
        }


def analyze(
    documents: Corpus | Iterable[Document],
    config: ScanOptions | None = None,
    *,
    progress: Progress | None = None,
) -> Analysis:
    """Compare every document with every other: the scan behind ``provenance scan``.

    Raises :class:`InputError` when there is no document to compare.
    """
    config = config or ScanOptions()
    report = progress or no_progress
    clock = Clock()
    skipped: tuple[Skipped, ...] = ()
    if isinstance(documents, Corpus):
        skipped = documents.skipped
        documents = documents.documents
    docs = tuple(sorted(documents, key=lambda d: d.id))
    if not docs:
        raise InputError("no documents to compare" + (f"; {len(skipped)} inputs were skipped "
                         "(see their reasons)" if skipped else ""))
    if len({d.id for d in docs}) != len(docs):
        raise InputError("document ids are not unique; give each document its own id")

    with clock.phase("segment"):
        sents = []
        for i, doc in enumerate(docs):
            sents.append(tuple(sentences(doc.text, doc.id)))
            if i % 256 == 0:
                report("segment", i, len(docs))
        # a short line recurring on a site's pages is that site's clutter
        sents = site_boilerplate([site_of(d.outlet, d.url) for d in docs],
                                 [d.text for d in docs], sents)
        units = [document_units(d.text, s, config.shingle_kind)
                 for d, s in zip(docs, sents, strict=True)]
        report("segment", len(docs), len(docs))
    with clock.phase("sign"):
        batch = sign(units, config.shingle_size, config.num_perm, config.seed, config.engine)
        sets = [np.unique(batch.shingles(d)) for d in range(len(docs))]
        report("sign", len(docs), len(docs))
    matrix = None
    with clock.phase("compare"):
        if len(docs) <= config.matrix_limit:
            matrix = exact_matrix(tuple(d.id for d in docs), sets)
            pairs = _pairs_from_matrix(docs, matrix, batch, config)
        else:
            pairs = _pairs_from_lsh(docs, sets, batch, config, report)
        report("compare", len(docs), len(docs))
    with clock.phase("cluster"):
        groups = clusters([d.id for d in docs], pairs, config.threshold)
    with clock.phase("provenance"):
        report("provenance", 0, 0)  # no count to give: the phase is named
        found = tuple(a for d, s in zip(docs, sents, strict=True) for a in attributions(d, s))
        dates = {d.id: date_info(d.published, list(s), dayfirst=config.dayfirst)
                 for d, s in zip(docs, sents, strict=True)}
    # Near-duplicates (Jaccard >= 0.8) are one story. A cluster of more than COLLAPSE_AT of
    # them (one wire item run everywhere) takes part in passage finding through one
    # representative, and its family is expanded afterwards: 3,000 copies are one family,
    # not millions of passage pairs. Smaller clusters are aligned like any documents.
    copies = _near_duplicate_copies(docs, pairs, dates)
    copied = {dup for dups in copies.values() for dup, _ in dups}
    passages: list[Passage] = []
    set_aside: list[Passage] = []
    learned = None
    if config.passages is not None:
        kept = [i for i, d in enumerate(docs) if d.id not in copied]
        with clock.phase("templates"):
            report("templates", 0, 0)  # no count to give: the phase is named
            group = {doc_id: k for k, g in enumerate(groups) for doc_id in g}
            learned = learn_templates([sents[i] for i in kept],
                                      groups=[group.get(docs[i].id, len(groups) + i)
                                              for i in kept])
        with clock.phase("passages"):
            passages = find_passages(
                [docs[i] for i in kept], config.passages,
                sentences_by_doc=[sents[i] for i in kept], progress=report,
                templates=learned, set_aside=set_aside,
                whole_copies=[(p.a, p.b) for p in pairs if p.jaccard >= NEAR_DUPLICATE
                              and p.a not in copied and p.b not in copied])
    with clock.phase("families"):
        report("families", 0, 0)  # no count to give: the phase is named
        families = build_families(docs, passages, found, dates, copies)
        edges = family_edges(families, passages, found, whole_copies=[
            (p.a, p.b, p.jaccard) for p in pairs if p.jaccard >= NEAR_DUPLICATE])
        flows = outlet_flows(families)
        churn = churnalism(docs, families)
    return Analysis(
        config=config,
        documents=docs,
        sentences=tuple(sents),
        shingle_counts=tuple(len(s) for s in sets),
        pairs=tuple(sorted(pairs, key=lambda p: (-p.jaccard, -p.score, p.a, p.b))),
        clusters=tuple(tuple(g) for g in groups),
        skipped=skipped,
        matrix=matrix,
        passages=tuple(passages),
        attributions=found,
        dates=dates,
        edges=tuple(edges),
        templates=tuple(learned.templates) if learned is not None else (),
        template_passages=len(set_aside),
        families=tuple(families),
        outlet_flows=tuple(flows),
        churnalism=tuple(churn),
        timings=clock.timings,
    )


def _near_duplicate_copies(docs, pairs, dates) -> dict[str, list[tuple[str, float]]]:
    """Near-duplicate clusters (Jaccard >= 0.8) of more than COLLAPSE_AT documents as
    {representative: [(copy, Jaccard with the representative, or the threshold when they are
    linked through others)]}. The
    representative is the earliest published, then the longest text, then the first id."""
    close = [p for p in pairs if p.jaccard >= NEAR_DUPLICATE]
    if not close:
        return {}
    ids = sorted({d for p in close for d in (p.a, p.b)})
    jaccard = {(p.a, p.b): p.jaccard for p in close}
    by_id = {d.id: d for d in docs}

    def rank(doc_id: str):
        info = dates.get(doc_id)
        return (*representative_rank(info.published if info else None, by_id[doc_id].text),
                doc_id)

    out = {}
    for group in clusters(ids, close, NEAR_DUPLICATE):
        if len(group) <= COLLAPSE_AT:
            continue
        rep = min(group, key=rank)
        out[rep] = [(d, jaccard.get((rep, d), jaccard.get((d, rep), NEAR_DUPLICATE)))
                    for d in group if d != rep]
    return out


def representative_rank(published: str | None, text: str) -> tuple[bool, int, int]:
    """A near-duplicate's place in the choice of its cluster's representative, before its id:
    undated last, then the earliest ``published`` (``date_info``'s UTC ISO time, as
    microseconds since 1970), then the longest text."""
    if not published:
        return True, 0, -len(text)
    stamp = datetime.fromisoformat(published)
    return False, (stamp - _EPOCH) // timedelta(microseconds=1), -len(text)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date_fields(info: DateInfo | None) -> dict:
    info = info or DateInfo()
    return {"published_utc": info.published, "date_problem": info.problem,
            "not_before": info.not_before}


def document_units(text: str, sents: Iterable[Sentence], kind: str = "word") -> np.ndarray:
    """The unit hashes a document is shingled from: its words (or characters), boilerplate
    sentences left out. Characters are taken from the normalized words joined by one space, so
    case, accents' encoding and spacing do not matter."""
    normalized = [w for s in sents if not s.boilerplate for w in words(text, s.start, s.end)]
    if kind == "char":
        return char_unit_hashes(" ".join(normalized))
    return word_unit_hashes(normalized)


def _pair(a: int, b: int, docs, inter: int, sizes, batch: SignedBatch) -> Pair:
    size_a, size_b = int(sizes[a]), int(sizes[b])
    union = size_a + size_b - inter
    return Pair(
        a=docs[a].id,
        b=docs[b].id,
        jaccard=inter / union if union else 0.0,
        jaccard_estimate=estimate_jaccard(batch.signatures[a], batch.signatures[b]),
        containment_a_in_b=inter / size_a if size_a else 0.0,
        containment_b_in_a=inter / size_b if size_b else 0.0,
    )


def _pairs_from_matrix(docs, matrix: SimilarityMatrix, batch, config) -> list[Pair]:
    inter, sizes = matrix.intersections, matrix.sizes
    i, j = np.nonzero(np.triu(inter, k=1))
    keep = _star_inside_large_clusters(i, j, inter[i, j], sizes, len(docs))
    i, j = i[keep], j[keep]
    out = [_pair(a, b, docs, int(inter[a, b]), sizes, batch) for a, b in zip(i, j, strict=True)]
    return [p for p in out if p.score >= config.min_score]


def _star_inside_large_clusters(i: np.ndarray, j: np.ndarray, inter: np.ndarray,
                                sizes: np.ndarray, n: int) -> np.ndarray:
    """Which pairs ``(i[k], j[k])`` to list: inside a near-duplicate cluster (Jaccard >=
    ``NEAR_DUPLICATE``) of more than :data:`COLLAPSE_AT` documents, only each member's pair with
    the cluster's first document (a star: the cluster stays whole, and 3,000 copies of one
    story are 2,999 pairs, not 4.5 million); every other pair as it is."""
    union = sizes[i] + sizes[j] - inter
    close = inter >= NEAR_DUPLICATE * np.maximum(union, 1)
    keep = np.ones(len(i), dtype=bool)
    if np.count_nonzero(close) <= COLLAPSE_AT:
        return keep
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(np.count_nonzero(close)), (i[close], j[close])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    large = np.bincount(label)[label] > COLLAPSE_AT
    first = np.full(label.max() + 1, n)
    np.minimum.at(first, label, np.arange(n))
    inside = large[i] & (label[i] == label[j])
    return ~inside | (i == first[label[i]])


def _pairs_from_lsh(docs, sets, batch, config, report) -> list[Pair]:
    bands, rows = lsh_params(config.threshold, config.num_perm)
    # a band key held by more than STAR_ABOVE documents (many copies of one story) pairs them
    # with its first holder only, so the candidates stay proportional to the corpus
    found = candidate_pairs(batch.signatures, bands, rows, star_above=STAR_ABOVE)
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    out = []
    for k, (a, b) in enumerate(found):
        inter = intersection_size(sets[a], sets[b])
        if inter:
            p = _pair(int(a), int(b), docs, inter, sizes, batch)
            if p.score >= config.min_score:
                out.append(p)
        if k % 4096 == 0:
            report("compare", k, len(found))
    return out
