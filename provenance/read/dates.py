"""Publication dates from metadata, the way sites and feeds publish them, parsed to UTC.

Formats: ISO 8601, RFC 2822 (feeds' ``pubDate``), Reuters' "26-FEB-1987 15:01:01.79", common
news forms ("March 16, 2023", "Mar. 16, 2023", "16 March 2023", "2023/03/16"), numeric dates
with the day and the month in either order ("05/04/2023", "16.03.2023", "16-03-2023"), and
dates in URLs ("/2023/04/05/", "/2023-04-05/", "/20230405/"). A date without a time zone is
UTC. Whether "05/04/2023" is 5 April or May 4 is decided by the value when it can be (a part
over 12 is the day) and by ``dayfirst`` otherwise; with neither, the date is refused as
ambiguous and the reason says so. A date more than a day after ``now`` is refused (a typo or an
embargo stamp is not evidence), and so is a value that is not a date of this era (the year
30000). Every refusal comes back as a reason, never silently.

Dates mentioned in an article's text are the trace stage's (``provenance.trace.dates``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = ["MONTHS", "TEXT_DATES", "date_from_match", "date_from_url", "parse_date"]

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december"
    .split(), start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
TEXT_DATES = [
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b",
               re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(?P<year>(?:19|20)\d\d)\b",
               re.IGNORECASE),
]
_FORMATS = ("%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%Y/%m/%d",
            "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})"
                      r"(?:[ T,]+(?P<time>\d{1,2}:\d\d(?::\d\d)?))?")
_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)(?P<sep>[/-]?)(?P<month>0[1-9]|1[0-2])"
                       r"(?P=sep)(?P<day>0[1-9]|[12]\d|3[01])(?:/|$|[-_.])")
_LONGEST = 80  # characters: a longer value is not a date


def parse_date(value: str, now: datetime | None = None, *, dayfirst: bool | None = None
               ) -> tuple[datetime | None, str | None]:
    """``(datetime in UTC, None)``, or ``(None, why not)``.

    ``dayfirst``: True reads "05/04/2023" as 5 April, False as May 4; None (the default)
    refuses it as ambiguous. A value whose order is plain ("16/03/2023") is read either way.
    """
    text = " ".join(str(value).split())
    if not text:
        return None, "empty"
    if len(text) > _LONGEST:
        return None, f"not a date ({len(text):,} characters: {text[:30]!r}...)"
    numeric = _NUMERIC.fullmatch(text)
    if numeric:
        parsed, problem = _numeric(numeric, text, dayfirst)
        if problem is not None:
            return None, problem
    else:
        parsed = _parse(text)
    if parsed is None:
        return None, f"unrecognized date {text!r} (use ISO 8601, e.g. 2023-03-16T09:00:00Z)"
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None, f"date {text!r} is out of range"
    now = now or datetime.now(UTC)
    if parsed > now + timedelta(days=1):
        return None, f"date {text!r} is in the future"
    return parsed, None


def _numeric(m: re.Match, text: str, dayfirst: bool | None
             ) -> tuple[datetime | None, str | None]:
    a, b, year = int(m.group("a")), int(m.group("b")), int(m.group("year"))
    if a > 12 and b > 12:
        return None, f"unrecognized date {text!r}: neither {a} nor {b} is a month"
    if a > 12 or (a != b and b <= 12 and dayfirst is True):
        day, month = a, b
    elif b > 12 or a == b or dayfirst is False:
        day, month = b, a
    else:
        return None, (f"ambiguous date {text!r}: day {a} of month {b}, or month {a} day {b}; "
                      "set dayfirst (--dayfirst / --no-dayfirst) to say which")
    hour = minute = second = 0
    if m.group("time"):
        parts = [int(x) for x in m.group("time").split(":")]
        hour, minute = parts[0], parts[1]
        second = parts[2] if len(parts) > 2 else 0
    try:
        return datetime(year, month, day, hour, minute, second), None
    except ValueError as exc:
        return None, f"unrecognized date {text!r} ({exc})"


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text.title() if "%b" in fmt else text, fmt)
        except ValueError:
            continue
    for pattern in TEXT_DATES:
        m = pattern.fullmatch(text.rstrip("."))
        if m:
            return date_from_match(m)
    return None


def date_from_match(m: re.Match) -> datetime | None:
    """The date a :data:`TEXT_DATES` match names, or None ("February 30, 2023")."""
    try:
        return datetime(int(m.group("year")), MONTHS[m.group("month").lower().rstrip(".")],
                        int(m.group("day")))
    except ValueError:
        return None


def date_from_url(url: str | None) -> str | None:
    """The date a URL's path carries ("/2023/04/05/", "/2023-04-05/", "/20230405/"), as
    ``YYYY-MM-DD``, or None."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    m = _URL_DATE.search(path)
    if m is None:
        return None
    try:
        return datetime(int(m.group("year")), int(m.group("month")),
                        int(m.group("day"))).date().isoformat()
    except ValueError:
        return None
