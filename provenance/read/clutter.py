"""Page clutter, one page at a time: what newsrooms publish around an article and is not it.

Two passes, both cheap (measured against trafilatura on the CMS-style pages of
``tests/pages.py``; numbers in the README's Inputs section):

1. Elements: widgets named by their class or id (share and social bars, cookie and consent
   banners, newsletter and subscription boxes, related / most-read / trending lists, author
   boxes, comments, breadcrumbs, ads and sponsored boxes, sidebars), AMP's consent, share and
   sidebar elements, form controls and dialogs. The CSS matching runs in Lexbor (C); an
   element holding half of the article's text or more is never dropped, so a page that names
   its whole body ``has-sidebar`` keeps its story.
2. Lines of the extracted text: a share bar ("Share this article Facebook Twitter Email"), a
   cookie or newsletter notice, a wire sign-off ("(Reporting by ...; Editing by ...)"), a
   copyright line, a line made only of links' texts (a menu), "Follow us on ...", a comment
   count, a teaser ("READ MORE: ..."), and a list heading ("Most read", "Related articles",
   "You may also like") with the short title lines under it.

Clutter that recurs across a site's pages without any of these marks is the corpus-wide
template learner's (another stage); this module sees one page.
"""

from __future__ import annotations

import re

__all__ = ["CLUTTER_SELECTOR", "clean_lines", "drop_clutter"]

_MARKS = ("share", "sharing", "social", "cookie", "consent", "gdpr", "newsletter", "subscri",
          "signup", "sign-up", "promo", "related", "most-read", "mostread", "most-popular",
          "popular", "trending", "recommend", "author-bio", "author-box", "authorbio",
          "about-author", "comments", "breadcrumb", "outbrain", "taboola", "advert", "sponsor",
          "paywall", "sidebar", "widget", "byline")
CLUTTER_SELECTOR = ", ".join(
    ["amp-consent", "amp-social-share", "amp-sidebar", "amp-ad", "button", "input", "select",
     "textarea", "dialog", '[role="dialog"]', '[role="alertdialog"]']
    + [f'[class*="{m}" i], [id*="{m}" i]' for m in _MARKS])

_SOCIAL = {"facebook", "twitter", "x", "email", "e-mail", "whatsapp", "linkedin", "reddit",
           "pinterest", "telegram", "messenger", "print", "flipboard", "mail", "bluesky",
           "threads", "copy", "link", "sms"}
_SHARE_WORDS = _SOCIAL | {"share", "this", "article", "story", "page", "on", "via", "tweet",
                          "post", "comments", "comment", "send", "to", "a", "friend", "url"}
_WORD = re.compile(r"[\w'-]+")
_COOKIE = re.compile(r"\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b|"
                     r"\bcookie (?:policy|settings|preferences|notice|consent)\b|"
                     r"\baccept (?:all )?cookies\b", re.IGNORECASE)
_NEWSLETTER = re.compile(r"^(?:sign up|subscribe|get|join|register|receive)\b.*"
                         r"\b(?:newsletters?|inbox|e-?mail alerts?|updates)\b", re.IGNORECASE)
_SIGNOFF = re.compile(r"^\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|"
                      r"produced)\s+by\b[^)]*\)?\.?$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:copyright\b|©|\(c\)\s).*(?:\b(?:19|20)\d\d\b|all rights reserved)|"
                        r"^(?:copyright\b|©).{0,40}$", re.IGNORECASE)
_LIST_HEAD = re.compile(
    r"^(?:most (?:read|popular|viewed|shared)|related(?: (?:articles?|stories|posts|content|"
    r"news|coverage|topics))?|more (?:from|on|stories|news)\b.*|read (?:more|next|also)|you may "
    r"(?:also )?like|recommended(?: for you)?|trending(?: now)?|popular(?: now)?|latest "
    r"(?:news|stories)|top stories|editor'?s picks|what to read next)\s*:?$", re.IGNORECASE)
_TEASER = re.compile(r"^(?:read more|see also|also read|read also|related|more|watch|listen)\s*:\s",
                     re.IGNORECASE)
_FOLLOW = re.compile(r"^(?:follow us\b|comments?\s*\(\d+\)$|\d+\s+comments?$|"
                     r"(?:leave|add|post|view|show) (?:a |all )?comments?\b)", re.IGNORECASE)
_SHORT = 200  # characters: a notice or a widget line is short; a paragraph is not touched


def drop_clutter(root) -> int:
    """Remove clutter elements under ``root`` (a selectolax node); returns how many."""
    total = len(root.text(deep=True, separator=" ", strip=True)) or 1
    dropped = 0
    for node in root.css(CLUTTER_SELECTOR):
        if node.tag in ("html", "body", "article", "main"):
            continue
        try:
            size = len(node.text(deep=True, separator=" ", strip=True))
        except Exception:  # noqa: BLE001 -- a node already removed with its ancestor
            continue
        if size * 2 >= total:
            continue
        node.decompose()
        dropped += 1
    return dropped


def clean_lines(lines: list[str], anchors: set[str]) -> list[str]:
    """The lines that are not clutter (see the module's docstring). ``anchors``: the texts of
    the page's links, so that a line that is only a link (navigation) goes."""
    out: list[str] = []
    in_list = False
    for line in lines:
        if in_list:
            if len(line) < 90 and not line.endswith((".", "!", "?", "\u201d", '"')):
                continue  # a title in a related / most-read list
            in_list = False
        if len(line) <= _SHORT and _is_clutter(line, anchors):
            in_list = bool(_LIST_HEAD.match(line))
            continue
        out.append(line)
    return out


def _is_clutter(line: str, anchors: set[str]) -> bool:
    words = [w.lower() for w in _WORD.findall(line)]
    if words and all(w in _SHARE_WORDS for w in words) and any(w in _SOCIAL for w in words):
        return True
    if len(words) <= 12 and _only_links(line, anchors):
        return True
    return bool(_LIST_HEAD.match(line) or _SIGNOFF.match(line) or _COPYRIGHT.match(line)
                or _TEASER.match(line) or _FOLLOW.match(line) or _COOKIE.search(line)
                or _NEWSLETTER.search(line))


def _only_links(line: str, anchors: set[str]) -> bool:
    """The line is one link's text, or several links' texts side by side (a menu)."""
    if line in anchors:
        return True
    rest = line
    for anchor in sorted((a for a in anchors if a and a in line), key=len, reverse=True):
        rest = rest.replace(anchor, " ")
    return rest != line and not _WORD.search(rest)
