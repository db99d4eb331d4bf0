"""Attributions: the sources an article names for its content, and for which sentences.

Rules over real news phrasing, tested on the seeds' sentences: "Politico reported on March 16
that ...", "according to The Hill", "told Reuters", "The Wall Street Journal reports", "writes the
British newspaper The Independent", "ABC's “This Week” program", "according to Hungarian
newspaper Magyar Nemzet", "first published by Kyiv Daily", "The Institute for the Study of War,
a D.C.-based think tank, said". Each source is classed as an ``outlet`` (a gazetteer of news
organizations, a name with a newspaper word, or a name the sentence itself calls a newspaper,
program or think tank), an ``organization`` (institutes, ministries, companies, alliances)
credited for content ("according to the ministry", "told Acme Corp"), a ``statement`` (an
organization speaking for itself: "Acme Corp said", "NATO said" -- news, not a source that was
copied), or a ``person``. Only outlets and organizations are credits (:data:`CREDIT_KINDS`).
Boilerplate sentences (bylines, photo credits, captions) are never read for attributions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from provenance.documents import Document
from provenance.text.lexicon import STOPWORDS
from provenance.text.sentences import Sentence, sentences

__all__ = ["CREDIT_KINDS", "OUTLETS", "Attribution", "attributions", "source_kind"]

CREDIT_KINDS = ("outlet", "organization")
"""Attribution kinds that credit an outside source for content (a person's words and an
organization's own statement are not)."""

OUTLETS = frozenset(
    """
    abc|afp|agence france-presse|al jazeera|ap|associated press|axios|bbc|bloomberg|
    business insider|cbc|cbs|cnbc|cnn|daily mail|der spiegel|deutsche welle|dw|el pais|euronews|
    financial times|forbes|fox news|france 24|the guardian|guardian|the hill|hill|the independent|
    independent|interfax|kyiv independent|kyiv post|le monde|los angeles times|msnbc|nbc|
    new york times|the new york times|npr|politico|reuters|ria novosti|sky news|sputnik|tass|
    the atlantic|the economist|the telegraph|telegraph|the times|the wall street journal|
    wall street journal|wsj|washington post|the washington post|xinhua|yonhap|kyodo|nikkei|
    the epoch times|epoch times|time|usa today|voice of america|voa|rfe/rl|radio free europe|
    the daily beast|vox|the intercept|propublica|semafor|newsweek|the kyiv independent|
    global times|china daily|ukrinform|meduza|novaya gazeta|kommersant|izvestia|rt
    """.replace("\n", "").split("|")
)
"""News organizations, lower case, as articles name them."""

_OUTLET_WORDS = frozenset(
    "news times post journal herald tribune gazette telegraph guardian independent "
    "press television tv radio broadcasting broadcaster daily weekly magazine wire "
    "chronicle observer".split()
)
# Words that name an outlet only as the last word of a name ("Daily Express", "The Sun"):
# "American Express" is a company, and so is any name with a company word.
_OUTLET_LAST = frozenset("express standard mirror sun review network channel".split())
_PAPER_DAYS = frozenset("daily evening morning sunday weekly".split())
_COMPANY_WORDS = frozenset(
    "inc corp co ltd plc ag sa nv llc holdings group bank airlines".split()
)
_ORG_WORDS = frozenset(
    "institute ministry department commission council committee association university bank "
    "company inc corp co ltd group government office army forces nato un eu party parliament "
    "congress senate court police service foundation center centre organization organisation "
    "union federation board authority administration alliance kremlin pentagon whitehouse "
    "agency fund bureau secretariat cabinet embassy".split()
)
_NOT_SOURCES = frozenset(
    "he she it they we i you this that these those there officials reporters analysts experts "
    "sources critics residents witnesses people media the a an monday tuesday wednesday "
    "thursday friday saturday sunday january february march april may june july august "
    "september october november december today yesterday".split()
    # a lone generic word names no one: "Press reports said", "Television showed"
    + "press television tv radio newspapers papers reports report wire".split()
)
_LEADING = frozenset(
    "as in on but and when while if after before since last recently however meanwhile also "
    "then so earlier later yet still".split()
)
_TITLES = frozenset(
    "secretary president minister general ambassador spokesman spokeswoman spokesperson chief "
    "director chairman senator governor mayor prime deputy head leader king queen prince "
    "chancellor commander admiral colonel mr mrs ms dr professor".split()
)

# "the head of", "a spokesman for the", right before a source name: a person holding an office.
_OFFICE = re.compile(r"\b((?:" + "|".join(sorted(_TITLES)) + r")\s+(?:of|for|at))\s+(?:the\s+)?$",
                     re.IGNORECASE)

# A name: capitalized words, optionally joined by "of", "for", "the", "and", "&".
_NAME = (r"(?:[Tt]he\s+)?[A-Z][\w’'&./-]*(?:\s+(?:(?:of|for|the|and|&|de|du|in)\s+){0,2}"
         r"[A-Z][\w’'&./-]*){0,7}")  # bounded: a 10,000-word sentence stays linear
_CUES = [
    ("according to", re.compile(rf"\b[Aa]ccording to\s+(?P<src>{_NAME})")),
    ("reported", re.compile(
        rf"(?P<src>{_NAME})\s+(?:first\s+|also\s+|has\s+|had\s+|previously\s+)*"
        r"(?:reported|reports|wrote|writes|revealed|reveals|disclosed)\b(?!\s+by\b)")),
    ("said", re.compile(
        rf"(?P<src>{_NAME})\s+(?:has\s+|had\s+|also\s+)*(?:said|says|stated|announced|"
        r"claimed|warned|added|confirmed|estimated)\b")),
    ("told", re.compile(rf"\btold\s+(?P<src>{_NAME})")),
    ("writes", re.compile(
        r"\b(?:writes|wrote|reports|reported)\s+(?:the\s+)?(?:[\w-]+\s+)*?"
        r"(?:newspaper|daily|magazine|outlet|agency|website|broadcaster|publication)\s+"
        rf"(?P<src>{_NAME})")),
    ("report by", re.compile(rf"\b(?:reported|report|reporting|reports)\s+by\s+(?P<src>{_NAME})")),
    ("published by", re.compile(
        rf"\b(?:first\s+|originally\s+|previously\s+)?(?:published|broadcast|aired)\s+"
        rf"(?P<prep>by|in|on)\s+(?P<src>{_NAME})")),
    ("program", re.compile(
        rf"(?P<src>{_NAME})[’']s\s+[“\"‘'][^”\"’']{{1,60}}[”\"’']")),
    ("newspaper", re.compile(
        r"\b(?:the\s+)?(?:[A-Z][\w-]*\s+)?(?:news\s+agency|newspaper|daily|weekly|magazine|"
        r"news\s+site|website|broadcaster|tabloid|outlet|think\s+tank)\s+"
        rf"(?P<src>{_NAME})")),
    ("think tank", re.compile(
        rf"(?P<src>{_NAME}),\s+(?:a|an|the)\s+[^,]{{0,40}}?\b(?:think\s+tank|newspaper|"
        r"news\s+agency|news\s+site|website|broadcaster|magazine|research\s+group|monitor)"
        r",\s+(?:has\s+|had\s+|also\s+)*(?:said|says|reported|reports|wrote|writes|found|"
        r"estimated|stated)\b")),
    ("'s report", re.compile(
        rf"(?P<src>{_NAME})[’']s?\s+(?:report|reporting|analysis|investigation|interview)\b")),
]


_PROGRAM = re.compile(r"\s+(?:program|programme|show|broadcast|podcast|column|series|"
                      r"documentary|interview)\b", re.IGNORECASE)
_OUTLET_CUES = frozenset(("program", "newspaper", "think tank", "published by", "writes"))


@dataclass(frozen=True, slots=True)
class Attribution:
    """Document ``doc`` credits ``source`` (``kind``: outlet, organization, statement or
    person) for the
    sentence ``text`` at ``[start, end)``; ``cue`` is the phrasing ("according to", "reported",
    "told", ...)."""

    doc: str
    source: str
    kind: str
    cue: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def _clean(name: str) -> str:
    name = re.sub(r"[’']s$", "", name.strip(" .,;:"))
    words = name.split()
    while words and words[0].lower() in _LEADING:
        words = words[1:]  # "As I said", "Recently, U.S. ..."
    return re.sub(r"^[Tt]he\s+", "The ", " ".join(words))


def _is_company(name: str) -> bool:
    return any(w.strip(".,") in _COMPANY_WORDS for w in name.lower().split())


def source_kind(name: str) -> str | None:
    """``outlet``, ``organization`` or ``person`` for a source name; None when it is not a
    source at all ("He", "Officials")."""
    key = name.lower().strip()
    bare = key.removeprefix("the ")
    if not bare or bare in _NOT_SOURCES or key in _NOT_SOURCES:
        return None
    if key in OUTLETS or bare in OUTLETS:
        return "outlet"
    words = bare.replace("’s", "").replace("'s", "").split()
    company = any(w.strip(".,") in _COMPANY_WORDS for w in words)
    if words and not company and (
            any(w in _OUTLET_WORDS for w in words)
            or (words[-1] in _OUTLET_LAST and (key.startswith("the ") or len(words) > 1
                                               and words[-2] in _PAPER_DAYS))):
        return "outlet"
    if company or (words and words[-1] in _OUTLET_LAST):
        return "organization"  # "American Express", "Sun Co"
    if any(w.strip(".") in _TITLES for w in words) and words[-1] not in _ORG_WORDS:
        return "person"  # "NATO Secretary General Jens Stoltenberg"
    if any(w.strip(".") in _ORG_WORDS for w in words) or name.isupper() and len(name) > 1:
        return "organization"
    if key.startswith("the "):
        return "organization"
    if 1 <= len(words) <= 4:
        return "person"
    return "organization"


def attributions(doc: Document, sents: Iterable[Sentence] | None = None) -> list[Attribution]:
    """Every attribution in ``doc``, in text order (one per source and sentence)."""
    if sents is None:
        sents = sentences(doc.text, doc.id)
    own = (doc.outlet or "").lower().removeprefix("the ")
    out: list[Attribution] = []
    for s in sents:
        if s.boilerplate:
            continue
        seen: set[str] = set()
        for cue, pattern in _CUES:
            for m in pattern.finditer(s.text):
                name = _clean(m.group("src"))
                after = re.match(r"\s+([a-z]+)", s.text[m.end():])
                bare = name.removeprefix("The ")
                if (m.end("src") == m.end() and len(bare.split()) == 1 and after
                        and after.group(1) not in STOPWORDS):
                    continue  # a modifier: "according to Hungarian media", "the Google toolbar"
                kind = source_kind(name)
                if cue == "newspaper" and m.group("src").startswith("the "):
                    continue  # "told the newspaper the Soviet Union lacked ...": a clause
                if cue == "published by" and m.group("prep") != "by" and kind != "outlet":
                    continue  # "an interview published in Saudi Arabia": a place, not an outlet
                if cue == "newspaper" and _is_company(name):
                    continue  # "the latest weekly Hughes Tool Co rig count": an adjective
                if cue == "program" and kind != "outlet" and not _PROGRAM.match(
                        s.text, m.end()):
                    continue  # "Reagan's “...”": a quotation, not a program
                if cue in _OUTLET_CUES and kind is not None:
                    kind = "outlet"  # the sentence itself says it publishes
                elif cue in ("said", "reported") and kind == "organization":
                    kind = "statement"  # "Acme Corp said", "MCI reported": its own news
                elif cue == "told" and kind == "organization":
                    continue  # "told the SEC", "told Parliament": an audience, not a source
                office = _OFFICE.search(s.text, max(0, m.start("src") - 80), m.start("src"))
                if office and kind in ("organization", "outlet", "statement"):
                    # "the head of NATO warned": a person speaking for NATO, not NATO's text
                    name = f"{office.group(1).lower()} {re.sub('^The ', 'the ', name)}"
                    kind = "person"
                if kind is None or name in seen:
                    continue
                if cue in ("told", "'s report", "program", "published by") and kind == "person":
                    continue  # "told Mr Smith", "Smith's analysis": not a content source
                if own and name.lower().removeprefix("the ") == own:
                    continue  # an article does not attribute to itself
                seen.add(name)
                out.append(Attribution(doc.id, name, kind, cue, s.start, s.end, s.text))
    return out
