"""Dates: ``published`` metadata parsed to UTC, and a not-before date inferred from the text.

Metadata is parsed by the reading stage (:func:`provenance.read.dates.parse_date`: ISO 8601,
RFC 2822, Reuters' stamps, news forms, day/month order by value or ``dayfirst``; refusals come
back with their reason). From the text, only complete dates count ("Feb. 24, 2022",
"24 February 2022"): "on Wednesday" or "March 16" without a year never become a date, and a
date announced as ahead ("will meet on ...", "scheduled for", "until", "by") does not count; the
latest complete date an article mentions is when it was written at the earliest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from provenance.read.dates import TEXT_DATES, date_from_match, parse_date
from provenance.text.sentences import Sentence

__all__ = ["DateInfo", "date_info", "mentioned_dates", "parse_date"]

# Words shortly before a date that announce it as still to come.
_AHEAD = re.compile(
    r"(?:\b(?:will|shall|scheduled|slated|due|expected|planned|plans?|set\s+(?:for|to)|deadline|"
    r"upcoming|next)\b[^.;]{0,60}|\b(?:until|till|by|before|starting)\s+(?:on\s+)?)$",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateInfo:
    """What is known of when a document was written.

    ``published``: from metadata (UTC, ISO 8601), or None; ``problem`` says why a metadata value
    was not used. ``not_before``: the latest complete date the text mentions (ISO date), with
    ``evidence``, the sentence that mentions it.
    """

    published: str | None = None
    problem: str | None = None
    not_before: str | None = None
    evidence: str | None = None

    def to_dict(self) -> dict:
        return {"published": self.published, "problem": self.problem,
                "not_before": self.not_before, "evidence": self.evidence}


def mentioned_dates(sents: list[Sentence]) -> list[tuple[datetime, Sentence]]:
    """Complete dates in the non-boilerplate sentences, with the sentence naming each; dates
    announced as ahead ("will meet on", "scheduled for", "until", "by", "due") are left out:
    an article can name a date before it happens."""
    out = []
    for s in sents:
        if s.boilerplate:
            continue
        for pattern in TEXT_DATES:
            for m in pattern.finditer(s.text):
                d = date_from_match(m)
                if d is not None and not _AHEAD.search(s.text[: m.start()]):
                    out.append((d, s))
    return out


def date_info(published: str | None, sents: list[Sentence], now: datetime | None = None,
              *, dayfirst: bool | None = None) -> DateInfo:
    """Parse ``published`` (:func:`provenance.read.dates.parse_date`, ``dayfirst`` deciding
    "05/04/2023") and infer the not-before date from ``sents``."""
    when, problem = (parse_date(published, now, dayfirst=dayfirst) if published
                     else (None, None))
    now = now or datetime.now(UTC)
    past = [(d, s) for d, s in mentioned_dates(sents) if d.replace(tzinfo=UTC) <= now]
    latest = max(past, key=lambda x: x[0], default=None)
    return DateInfo(
        published=when.isoformat() if when else None,
        problem=problem,
        not_before=latest[0].date().isoformat() if latest else None,
        evidence=latest[1].text if latest else None,
    )
