"""Dates: ``published`` metadata parsed to UTC, and a not-before date inferred from the text.

Metadata formats: ISO 8601, RFC 2822, Reuters' "26-FEB-1987 15:01:01.79", and common news forms
("March 16, 2023", "Mar. 16, 2023", "16 March 2023", "2023/03/16", "03/16/2023"). A date
without a time zone is taken as UTC. A date more than a day after ``now`` is refused (a typo or
an embargo stamp is not evidence). From the text, only complete dates count ("Feb. 24, 2022",
"24 February 2022"): "on Wednesday" or "March 16" without a year never become a date, and a
date announced as ahead ("will meet on ...", "scheduled for", "until", "by") does not count; the
latest complete date an article mentions is when it was written at the earliest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from provenance.text.sentences import Sentence

__all__ = ["DateInfo", "date_info", "mentioned_dates", "parse_date"]

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december"
    .split(), start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TEXT_DATES = [
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b",
               re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b",
               re.IGNORECASE),
]
# Words shortly before a date that announce it as still to come.
_AHEAD = re.compile(
    r"(?:\b(?:will|shall|scheduled|slated|due|expected|planned|plans?|set\s+(?:for|to)|deadline|"
    r"upcoming|next)\b[^.;]{0,60}|\b(?:until|till|by|before|starting)\s+(?:on\s+)?)$",
    re.IGNORECASE)
_FORMATS = ("%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%Y/%m/%d", "%m/%d/%Y",
            "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


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


def parse_date(value: str, now: datetime | None = None) -> tuple[datetime | None, str | None]:
    """``(datetime in UTC, None)``, or ``(None, why not)``."""
    text = " ".join(str(value).split())
    if not text:
        return None, "empty"
    parsed = _parse(text)
    if parsed is None:
        return None, f"unrecognized date {text!r} (use ISO 8601, e.g. 2023-03-16T09:00:00Z)"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    now = now or datetime.now(UTC)
    if parsed > now + timedelta(days=1):
        return None, f"date {text!r} is in the future"
    return parsed, None


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text.title() if "%b" in fmt else text, fmt)
        except ValueError:
            continue
    for pattern in _TEXT_DATES:
        m = pattern.fullmatch(text.rstrip("."))
        if m:
            return _from_match(m)
    return None


def _from_match(m: re.Match) -> datetime | None:
    try:
        return datetime(int(m.group("year")), _MONTHS[m.group("month").lower().rstrip(".")],
                        int(m.group("day")))
    except ValueError:
        return None  # "February 30, 2023"


def mentioned_dates(sents: list[Sentence]) -> list[tuple[datetime, Sentence]]:
    """Complete dates in the non-boilerplate sentences, with the sentence naming each; dates
    announced as ahead ("will meet on", "scheduled for", "until", "by", "due") are left out:
    an article can name a date before it happens."""
    out = []
    for s in sents:
        if s.boilerplate:
            continue
        for pattern in _TEXT_DATES:
            for m in pattern.finditer(s.text):
                d = _from_match(m)
                if d is not None and not _AHEAD.search(s.text[: m.start()]):
                    out.append((d, s))
    return out


def date_info(published: str | None, sents: list[Sentence], now: datetime | None = None
              ) -> DateInfo:
    """Parse ``published`` and infer the not-before date from ``sents``."""
    when, problem = parse_date(published, now) if published else (None, None)
    now = now or datetime.now(UTC)
    past = [(d, s) for d, s in mentioned_dates(sents) if d.replace(tzinfo=UTC) <= now]
    latest = max(past, key=lambda x: x[0], default=None)
    return DateInfo(
        published=when.isoformat() if when else None,
        problem=problem,
        not_before=latest[0].date().isoformat() if latest else None,
        evidence=latest[1].text if latest else None,
    )
