"""``analyze``: documents in, an :class:`Analysis` out, one named and timed phase per stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
from provenance.trace.graph import NEAR_DUPLICATE, Edge, build_edges

__all__ = ["Analysis", "Progress", "analyze", "document_units"]

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
    passages: list[Passage] = []
    set_aside: list[Passage] = []
    learned = None
    if config.passages is not None:
        with clock.phase("templates"):
            group = {doc_id: k for k, g in enumerate(groups) for doc_id in g}
            learned = learn_templates(sents, groups=[group.get(d.id, len(groups) + i)
                                                     for i, d in enumerate(docs)])
        with clock.phase("passages"):
            passages = find_passages(
                docs, config.passages, sentences_by_doc=sents, progress=report,
                templates=learned, set_aside=set_aside,
                whole_copies=[(p.a, p.b) for p in pairs if p.jaccard >= NEAR_DUPLICATE])
    with clock.phase("provenance"):
        found = tuple(a for d, s in zip(docs, sents, strict=True) for a in attributions(d, s))
        dates = {d.id: date_info(d.published, list(s), dayfirst=config.dayfirst)
                 for d, s in zip(docs, sents, strict=True)}
        edges = build_edges(passages, found, dates, docs, pairs)
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
        timings=clock.timings,
    )


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
    out = [_pair(a, b, docs, int(inter[a, b]), sizes, batch) for a, b in zip(i, j, strict=True)]
    return [p for p in out if p.score >= config.min_score]


def _pairs_from_lsh(docs, sets, batch, config, report) -> list[Pair]:
    bands, rows = lsh_params(config.threshold, config.num_perm)
    found = candidate_pairs(batch.signatures, bands, rows)
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
