"""Which stored family a new article joins: the families of a query and the documents it
repeats, built by :func:`provenance.trace.families.build_families` on that small corpus.

An index query (:meth:`provenance.index.Index.query`) says which stored documents a new article
repeats, pair by pair, with the passages. :func:`join_families` takes those passages (the query
on side ``a``) and the documents they point into, and builds the families exactly as a scan does
-- occurrences of the query that overlap and carry the same text merge, so the stored documents
whose passages hold one span of the query are one family; the origin comes from the same rules
(an outside source credited, a quotation's speaker, the earliest-dated member, without dates the
member whose version explains the others) and so does the query's parent. Only the families the
query is a member of are kept: two stored documents sharing text the query does not carry are
not its business.

The members are what the query matched (at most ``k`` documents), so a family here is the
part of a stored family the query reaches, not the whole of it: a stored document that the
query does not repeat, or that fell below the query's ``k``, is not in it.

Each joined family has a ``key`` that does not depend on the query's id: the id and span of
the origin document, or -- when the origin is an outside source, a speaker, undecided, or the
query itself -- of the first stored member in time order (``doc:start-end``). Queries that
repeat the same text of the same story get the same key; grouping by the key's document part
alone puts together every query that reached that story, whatever part of it they repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from provenance.documents import Document
from provenance.errors import ConfigError
from provenance.passages.finder import Passage
from provenance.text.sentences import sentences
from provenance.trace.attribution import attributions
from provenance.trace.dates import date_info
from provenance.trace.families import Family, Member, build_families

__all__ = ["Joined", "join_families"]


@dataclass(frozen=True, slots=True)
class Joined:
    """A stored family the query joins: ``family`` (its ``id`` is ``key``; members, the query
    among them, in time order; origin) and the query's own ``member`` (its span in the query,
    its likely ``parent`` among the stored documents, ``relation``, ``confidence``,
    ``reasons``)."""

    key: str
    family: Family
    member: Member

    @property
    def stored(self) -> tuple[Member, ...]:
        """The stored members, in time order (undated last, then by id)."""
        return tuple(m for m in self.family.members if m is not self.member)

    @property
    def first(self) -> Member:
        """The stored member the family starts from, the one its key names: the origin
        document when it is a stored one (with dates, the first published), else the first
        stored member in time order."""
        return _head(self.family, self.member.doc)

    def to_dict(self) -> dict:
        f, m = self.family, self.member
        return {"key": self.key, "start": m.start, "end": m.end, "stored": len(self.stored),
                "first": self.first.doc, "origin": f.origin.to_dict(), "parent": m.parent,
                "relation": m.relation, "confidence": round(m.confidence, 4),
                "reasons": list(m.reasons), "first_published": f.first_published,
                "last_published": f.last_published, "outlets": list(f.outlets),
                "text": f.text, "members": [x.to_dict() for x in f.members]}


def join_families(query: Document, matched: Sequence[Document],
                  passages: Sequence[Passage]) -> list[Joined]:
    """The families ``query`` joins among the ``matched`` documents, given the ``passages``
    it shares with them (``query.id`` on side ``a``, a matched document on side ``b``), in
    the query's order (by the start of its span). No passage: no family."""
    docs = {d.id: d for d in matched}
    if query.id in docs:
        raise ConfigError(f"the query's id {query.id!r} is also a matched document's; give the "
                          "query an id of its own")
    docs[query.id] = query
    for p in passages:
        if p.a != query.id or p.b not in docs:
            raise ConfigError(f"passage {p.a} -> {p.b} is not one of the query's with a "
                              "matched document; give the passages the query shares with them")
    if not passages:
        return []
    corpus = [query, *sorted((d for d in matched if any(p.b == d.id for p in passages)),
                             key=lambda d: d.id)]
    found, dates = [], {}
    for d in corpus:
        sents = sentences(d.text, d.id)
        found += attributions(d, sents)
        dates[d.id] = date_info(d.published, sents)
    out = []
    for family in build_families(corpus, sorted(passages, key=_order), found, dates):
        member = next((m for m in family.members if m.doc == query.id), None)
        if member is None:
            continue
        key = _key(family, query.id)
        out.append(Joined(key, replace(family, id=key), member))
    return sorted(out, key=lambda j: (j.member.start, j.member.end, j.key))


def _order(p: Passage):
    return (p.a, p.b, p.a_start, p.b_start)


def _head(family: Family, query: str) -> Member:
    """The origin document's member, or the first stored member when the origin is not a
    stored document."""
    origin = family.origin.doc if family.origin.kind == "document" else None
    member = next((m for m in family.members if m.doc == origin and m.doc != query), None)
    return member or next(m for m in family.members if m.doc != query)


def _key(family: Family, query: str) -> str:
    """``doc:start-end`` of :func:`_head`."""
    member = _head(family, query)
    return f"{member.doc}:{member.start}-{member.end}"
