"""Which way a passage travelled, from the evidence around it, with human-readable reasons.

Evidence for one passage between documents ``a`` and ``b`` (positive points: ``a`` is the
source):

- publication times (``published`` metadata): the earlier side is the source (weight 2); a
  side published before the other's not-before date likewise (weight 1.5);
- quotation (checked first): when the shared words are a quotation on both sides, both quote
  the same speaker -- a common source, not a copy;
- attribution: when one side credits an external source (an outlet or organization) in the
  passage and the other does not, both took the claim from that source: the crediting side is
  ``attributed`` to it and the other an unattributed rewrite of it (no a/b direction);
- the fuller version: the side giving numbers and names the other lacks is more likely the
  source (weight 0.5 per extra detail, at most 1.5);
- containment asymmetry of the two documents: the one mostly contained in the other is more
  likely the copy (weight 1).

A direction needs at least 1.5 points net; otherwise it is ``undecided``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .attribution import Attribution
from .dates import DateInfo
from .passages import Passage
from .similarity import Pair

__all__ = ["DECIDE_AT", "Direction", "direction"]

DECIDE_AT = 1.5
_DETAIL = re.compile(r"\b(?:\d[\d,.]*|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)\b")


@dataclass(frozen=True, slots=True)
class Direction:
    """The verdict for one passage: ``source`` and ``target`` document ids (None when
    ``undecided`` or a common source), ``external``: the outside source both took it from,
    if named, ``attributed_by``: the documents that credit it, ``confidence`` (0.5-0.95), and
    the ``reasons``."""

    verdict: str  # "a_to_b", "b_to_a", "common_source", "undecided"
    source: str | None
    target: str | None
    confidence: float
    reasons: tuple[str, ...]
    external: str | None = None
    attributed_by: tuple[str, ...] = ()


def _inside(att: Attribution, start: int, end: int) -> bool:
    return att.start < end and start < att.end


def _details(text: str, other: str) -> set[str]:
    theirs = {m.group() for m in _DETAIL.finditer(other)}
    return {m.group() for m in _DETAIL.finditer(text)} - theirs


def direction(
    passage: Passage,
    dates: dict[str, DateInfo],
    attributions: dict[str, list[Attribution]],
    pair: Pair | None = None,
) -> Direction:
    """Weigh the evidence for one passage (see the module's docstring)."""
    a, b = passage.a, passage.b
    reasons: list[str] = []
    points = 0.0

    # A quotation both give: they quote the same speaker.
    if passage.quoted:
        return Direction("common_source", None, None, 0.8,
                         (f"both quote the same words: \u201c{passage.quote}\u201d",))

    # Attribution to an outside source.
    att_a = [x for x in attributions.get(a, []) if x.kind != "person"
             and _inside(x, passage.a_start, passage.a_end)]
    att_b = [x for x in attributions.get(b, []) if x.kind != "person"
             and _inside(x, passage.b_start, passage.b_end)]
    sources_a, sources_b = {x.source for x in att_a}, {x.source for x in att_b}
    shared_source = sorted(sources_a & sources_b)
    if shared_source or (sources_a and not sources_b) or (sources_b and not sources_a):
        external = (shared_source or sorted(sources_a) or sorted(sources_b))[0]
        by = tuple(d for d, srcs in ((a, sources_a), (b, sources_b)) if external in srcs)
        others = [d for d in (a, b) if d not in by]
        text = f"{' and '.join(by)} credit{'s' if len(by) == 1 else ''} {external}"
        if others:
            text += f"; {others[0]} gives the same claim without naming it"
        return Direction("common_source", None, None, 0.8, (text,), external, by)

    # Publication times.
    da, db = dates.get(a), dates.get(b)
    pa = _when(da.published) if da else None
    pb = _when(db.published) if db else None
    if pa and pb and pa != pb:
        earlier, later = (a, b) if pa < pb else (b, a)
        points += 2 if pa < pb else -2
        reasons.append(f"{earlier} was published first ({min(pa, pb).isoformat()} vs "
                       f"{max(pa, pb).isoformat()} for {later})")
    else:
        for side, mine, theirs, sign in ((a, pa, db, 1), (b, pb, da, -1)):
            if mine and theirs and theirs.not_before and mine.date().isoformat() < \
                    theirs.not_before:
                points += 1.5 * sign
                other = b if side == a else a
                reasons.append(f"{side} was published before {other} mentions "
                               f"{theirs.not_before}")

    # The fuller version.
    extra_a = _details(passage.a_text, passage.b_text)
    extra_b = _details(passage.b_text, passage.a_text)
    diff = min(1.5, 0.5 * abs(len(extra_a) - len(extra_b)))
    if diff and len(extra_a) != len(extra_b):
        fuller, extra = (a, extra_a) if len(extra_a) > len(extra_b) else (b, extra_b)
        points += diff if fuller == a else -diff
        sample = ", ".join(sorted(extra)[:4])
        reasons.append(f"{fuller} has the fuller version (adds {sample})")

    # Containment asymmetry.
    if pair is not None:
        gap = pair.containment_a_in_b - pair.containment_b_in_a
        if abs(gap) >= 0.2:
            inner, outer = (pair.a, pair.b) if gap > 0 else (pair.b, pair.a)
            points += -1 if inner == a else 1
            reasons.append(f"{inner} is mostly contained in {outer} "
                           f"({max(pair.containment_a_in_b, pair.containment_b_in_a):.2f} vs "
                           f"{min(pair.containment_a_in_b, pair.containment_b_in_a):.2f})")

    if abs(points) < DECIDE_AT:
        reasons.append(f"evidence too weak to tell the direction ({points:+.1f} points)")
        return Direction("undecided", None, None, 0.5, tuple(reasons))
    confidence = round(min(0.95, 0.5 + 0.1 * abs(points)), 2)
    if points > 0:
        return Direction("a_to_b", a, b, confidence, tuple(reasons))
    return Direction("b_to_a", b, a, confidence, tuple(reasons))


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
