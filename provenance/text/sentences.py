"""Text units with exact offsets: tokens, sentences and boilerplate lines.

Every offset points into the original decoded text. Unicode normalization (NFKC, case folding,
curly apostrophes) is applied to token *values* only, for matching, never to the text itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

__all__ = [
    "Sentence",
    "Token",
    "blocks",
    "boilerplate_blocks",
    "normalize_token",
    "sentences",
    "tokenize",
    "words",
]

_TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True, slots=True)
class Token:
    """A word: ``text[start:end]`` in the original, ``norm`` its matching form."""

    start: int
    end: int
    norm: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: ``text == document.text[start:end]``.

    ``boilerplate`` marks sentences on lines such as "Share This Article" or photo credits, which
    later stages ignore as evidence.
    """

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    boilerplate: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def normalize_token(word: str) -> str:
    """The matching form of one word: NFKC, case-folded, curly apostrophes made straight."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).casefold().replace("’", "'")


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Words of ``text[start:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    return [
        Token(m.start(), m.end(), normalize_token(m.group()))
        for m in _TOKEN_RE.finditer(text, start, end)
    ]


def words(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The normalized words of ``text[start:end]``: ``[t.norm for t in tokenize(...)]``, without
    building offsets (the shingling path needs only the values)."""
    piece = text[start:end]
    if piece.isascii():
        return _TOKEN_RE.findall(piece.lower())
    return [normalize_token(w) for w in _TOKEN_RE.findall(piece)]


# --- sentence segmentation -------------------------------------------------------------------

# Words that end with a period without ending the sentence. Month and title abbreviations are the
# ones news text is full of ("Feb. 21", "Nov. 25, 2022", "Gov. Newsom", "Sen. Warren").
_ABBREVIATIONS = frozenset(
    """
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    mr mrs ms dr prof sen rep gov gen lt col maj sgt capt cmdr adm cpl pvt
    st jr sr rev hon pres supt det insp amb
    inc corp ltd co llc bros dept univ assn est approx fig figs vol vols no nos pp
    vs v cf al ed eds mt ft
    """.split()
)
# "U.S", "D.C", "U.K", "e.g", "i.e": letters joined by periods.
_DOTTED_RE = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
# A run of terminal punctuation, closing quotes/brackets after it, then whitespace -- but not
# white space then a lower-case ASCII letter, which never starts a sentence (see _split_line;
# leaving those out here spares a Python step for every "e.g. this" and "U.S. economy").
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)(?!\s+[a-z])")
# What a new sentence may start with: an upper-case letter, a digit, an opening quote or bracket.
_STARTER_RE = re.compile(r"\s+([\"'“‘«(\[]*)(\S)")
_LEADING_BULLET_RE = re.compile(r"[\s•·▪●◦‣*–—-]*")


def _is_abbreviation(line: str, dot: int) -> bool:
    """Whether the period at ``line[dot]`` belongs to an abbreviation or an initial."""
    i = dot
    while i > 0 and not line[i - 1].isspace():
        i -= 1
    word = line[i:dot].lstrip("\"'“‘«([")
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "John F. Kennedy"
    if _DOTTED_RE.match(word):
        return True
    return word.lower() in _ABBREVIATIONS


def _boundaries(line: str) -> list[re.Match]:
    """``_BOUNDARY_RE.finditer(line)``, tried only where a terminal mark is (found by
    ``str.find``, which is many times quicker than the regex engine's scan for the first
    character of a class): every match starts with one, and a position inside a match is
    passed over as ``finditer`` passes it over."""
    marks = []
    for mark in ".!?…":
        at = line.find(mark)
        while at >= 0:
            marks.append(at)
            at = line.find(mark, at + 1)
    found = []
    end = 0
    for at in sorted(marks):
        if at >= end and (m := _BOUNDARY_RE.match(line, at)) is not None:
            found.append(m)
            end = m.end()
    return found


def _split_line(line: str) -> list[tuple[int, int]]:
    """Sentence spans inside one line (offsets relative to the line)."""
    spans = []
    begin = 0
    for m in _boundaries(line):
        punct_end = m.start() + len(m.group().rstrip("\"'”’»)]"))
        if line[punct_end - 1] == "." and punct_end - m.start() == 1:
            if _is_abbreviation(line, m.start()):
                continue
        nxt = _STARTER_RE.match(line, m.end())
        if nxt is None:
            continue
        first = nxt.group(2)
        if not (first.isupper() or first.isdigit() or nxt.group(1) or not first.isalpha()):
            continue  # "the U.S. economy", "e.g. this": lower case continues the sentence
        spans.append((begin, m.end()))
        begin = nxt.start(1)
    spans.append((begin, len(line)))
    return spans


def sentences(text: str, doc_id: str = "", boilerplate: set[int] | None = None) -> list[Sentence]:
    """Split ``text`` into sentences with character offsets.

    Every block ends a sentence: a line, since news text puts each paragraph, caption and list
    item on a line of its own -- or, in hard-wrapped text (Reuters, e-mail), a paragraph (see
    :func:`blocks`). Inside a block, a sentence ends at ``.``, ``!``, ``?`` or ``…`` (with any
    closing quotes) followed by white space and a capital, digit or quote -- unless the period
    closes an abbreviation ("Feb.", "Gov."), an initial ("F.") or a dotted acronym ("U.S.").
    Leading bullets and dashes are left out of the span. ``boilerplate`` is a set of block start
    offsets (see :func:`boilerplate_blocks`); ``None`` computes it.
    """
    spans = blocks(text)
    if boilerplate is None:
        boilerplate = boilerplate_blocks(text, spans)
    out: list[Sentence] = []
    for block_start, block_end in spans:
        block = text[block_start:block_end]
        is_boilerplate = block_start in boilerplate
        for s, e in _split_line(block):
            s = _LEADING_BULLET_RE.match(block, s).end()
            while e > s and block[e - 1].isspace():
                e -= 1
            if e <= s or not any(c.isalnum() for c in block[s:e]):
                continue
            a, b = block_start + s, block_start + e
            out.append(Sentence(doc_id, len(out), a, b, text[a:b],
                                is_boilerplate or bool(_SIGNOFF_RE.match(text, a, b))))
    return out


_TERMINAL = tuple(".!?:;\"”’')]…")
_INDENTED_RE = re.compile(r"[ \t\u00a0]|[•·▪●◦‣*–—-]\s")


def blocks(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the text's blocks: its lines, or its paragraphs when the text
    is hard-wrapped.

    Hard-wrapped text breaks lines inside sentences ("in\\nthe Bahia cocoa zone"). It is told apart
    by its junctions -- a line followed directly by an unindented, non-blank line: when at least
    two of them exist, 40% or more follow a line that does not end a sentence, and the lines
    are of wrapping length (median at least 40 characters, 90% at most 100), lines are joined
    into paragraphs, which end at a blank line or an indented line (Reuters indents its
    paragraphs).
    """
    lines = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, pos + len(line), line))
        pos += len(line)
    if not _hard_wrapped(lines):
        return [(a, b) for a, b, _ in lines]
    out: list[tuple[int, int]] = []
    in_paragraph = False
    for a, b, line in lines:
        blank = not line.strip()
        if in_paragraph and not blank and not _INDENTED_RE.match(line):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
        in_paragraph = not blank
    return out


def _hard_wrapped(lines: list[tuple[int, int, str]]) -> bool:
    junctions = soft = 0
    for (_, _, line), (_, _, nxt) in zip(lines, lines[1:], strict=False):
        if line.strip() and nxt.strip() and not _INDENTED_RE.match(nxt):
            junctions += 1
            soft += not line.rstrip().endswith(_TERMINAL)
    if junctions < 2 or soft < 0.4 * junctions:
        return False
    lengths = sorted(len(line.strip()) for _, _, line in lines if line.strip())
    return lengths[len(lengths) // 2] >= 40 and lengths[int(0.9 * (len(lengths) - 1))] <= 100


# --- boilerplate -----------------------------------------------------------------------------

_BOILERPLATE_PHRASES = frozenset(
    phrase.strip()
    for phrase in """
    share this article|share this story|share this|share|you may also like|you might also like|
    leave a comment|leave a reply|related topics|related articles|related stories|related|
    read more|read next|advertisement|sponsored|subscribe|sign up|sign up for our newsletter|
    follow us|comments|print|email|copy link|updated|listen to this article|skip to content|
    most read|most popular|trending|recommended|more from|see also|all rights reserved
    """.split("|")
)
_BOILERPLATE_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^\d+\s*min(?:ute)?s?\s+read$",  # "4 Min Read"
        r"^\d{1,2}:\d{2}(?::\d{2})?$",  # a video timestamp "0:00"
        r"^\[[^\]]*\]$",  # a CMS shortcode "[pp id=66845]"
        r"^by\s+[^\s.!?,]+(?:\s+[^\s.!?,]+){0,3}$",  # a byline "By Dénes Albert", "by time news"
        r"^(?:file|photo|image|caption|credit|pictured)\s*[-–—:|]",  # "FILE - ...", "Photo: ..."
        r"^(?:photo|image)s?\s+(?:by|courtesy|credit)",
        r"^©|^copyright\b",
        r"^(?:follow|share)\s+(?:us|on)\b",
        r"^(?:click|tap)\s+here\b",
        r"^(?:sign up|subscribe)\b.{0,60}$",
    )
]
# The wire sign-off, on its own line or after the last sentence: "(Reporting by Sabine
# Siebold; Editing by Alex Richardson)", "(Additional reporting by ...)", "Writing by ...".
_SIGNOFF_ROLE = r"(?:additional\s+)?(?:reporting|writing|editing|compiled|research|graphics)"
_SIGNOFF_RE = re.compile(
    rf"(?:[(\[]\s*{_SIGNOFF_ROLE}\s+by\b[^()\[\]\n]{{0,300}}[)\]]"  # "(Reporting by ...)"
    rf"|{_SIGNOFF_ROLE}\s+by\s[^;\n]{{1,80}};\s*(?:and\s+)?{_SIGNOFF_ROLE}\s+by\s[^\n]{{1,200}})"
    r"\s*\.?\s*$", re.IGNORECASE)
# A caption or credit line ends with a parenthesized credit naming an agency or "Photo".
_CREDIT_RE = re.compile(
    r"\([^()]*\b(?:AP|AFP|Reuters|Getty(?: Images)?|EPA|Photo|Pool|Shutterstock|Bloomberg|"
    r"Xinhua|Sputnik|TASS|Anadolu|Credit|Image)\b[^()]*\)\s*\.?$"
)


def boilerplate_blocks(text: str, spans: list[tuple[int, int]] | None = None) -> set[int]:
    """Start offsets of the blocks (lines or paragraphs, see :func:`blocks`) that are
    boilerplate.

    Navigation and sharing widgets ("Share This Article", "You may also like", "Leave a Comment",
    "Related Topics"), reading-time and video stamps, bylines, and photo captions and credits
    ("FILE - ...", "... (AP Photo/Alastair Grant)", "... via Getty Images)"), and the wire
    sign-off "(Reporting by ...; Editing by ...)".
    """
    found = set()
    for start, end in blocks(text) if spans is None else spans:
        stripped = text[start:end].strip()
        key = stripped.strip(" \t:.!-–—|•»›>").lower()
        if key and (
            key in _BOILERPLATE_PHRASES
            or any(r.search(key) for r in _BOILERPLATE_RES)
            or _CREDIT_RE.search(stripped)
            or _SIGNOFF_RE.match(stripped)
        ):
            found.add(start)
    return found
