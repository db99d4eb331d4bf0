"""Corpus builders the tests share: random texts over a made-up vocabulary (no word is a real
one, so nothing matches by accident), edited copies, and articles of sentences.

Every builder takes a ``random.Random`` or a seed, so a corpus is the same on every run.
"""

from __future__ import annotations

import random

from provenance import Document

__all__ = ["credits_in", "edit_words", "random_text", "sentence_article", "stories_with_copies",
           "synthetic_articles", "vocabulary"]


def vocabulary(size: int, form: str = "w{}") -> list[str]:
    """``size`` distinct made-up words: ``w0``, ``w1``, ... (``form`` names them)."""
    return [form.format(i) for i in range(size)]


VOCAB = vocabulary(3000)


def random_text(rng: random.Random, words: int = 120, vocab: list[str] = VOCAB) -> str:
    """``words`` words drawn from ``vocab``, one space between them."""
    return " ".join(rng.choice(vocab) for _ in range(words))


def edit_words(text: str, rng: random.Random, changes: int, vocab: list[str] = VOCAB,
               distinct: bool = True) -> str:
    """``text`` with ``changes`` of its words replaced by words of ``vocab`` (at ``changes``
    distinct places, or at places drawn with replacement)."""
    words = text.split(" ")
    places = (rng.sample(range(len(words)), changes) if distinct
              else [rng.randrange(len(words)) for _ in range(changes)])
    for k in places:
        words[k] = rng.choice(vocab)
    return " ".join(words)


def sentence_article(rng: random.Random, vocab: list[str], sentences: int | tuple[int, int],
                     words: int | tuple[int, int], capitalize: bool = False) -> str:
    """An article of sentences of random words, each ending with a full stop; ``sentences``
    and ``words`` are counts or (low, high) ranges."""
    def count(spec):
        return rng.randint(*spec) if isinstance(spec, tuple) else spec

    out = []
    for _ in range(count(sentences)):
        sentence = " ".join(rng.choice(vocab) for _ in range(count(words)))
        out.append((sentence.capitalize() if capitalize else sentence) + ".")
    return " ".join(out)


def synthetic_articles(n: int, seed: int = 0, prefix: str = "d",
                       vocab: list[str] | None = None) -> list[Document]:
    """``n`` articles of eight 12-word sentences (ids ``prefix0``, ``prefix1``, ...)."""
    rng = random.Random(seed)
    vocab = vocab or vocabulary(5000, "w{}x")
    return [Document(f"{prefix}{i}", sentence_article(rng, vocab, 8, 12, capitalize=True))
            for i in range(n)]


def stories_with_copies(n_stories: int = 30, copies: int = 3, words: int = 120,
                        seed: int = 0) -> list[Document]:
    """Stories plus lightly edited copies of each (two words replaced), shuffled."""
    rng = random.Random(seed)
    docs = []
    for s in range(n_stories):
        base = [rng.choice(VOCAB) for _ in range(words)]
        docs.append(Document(f"s{s:02d}-0", " ".join(base)))
        for c in range(1, copies):
            edited = list(base)
            for _ in range(2):
                edited[rng.randrange(words)] = rng.choice(VOCAB)
            docs.append(Document(f"s{s:02d}-{c}", " ".join(edited)))
    rng.shuffle(docs)
    return docs


def credits_in(text: str, outlet: str | None = None) -> list[tuple[str, str, str]]:
    """``(source, kind, cue)`` of every attribution the library finds in ``text``."""
    from provenance.trace.attribution import attributions

    return [(a.source, a.kind, a.cue) for a in attributions(Document("d", text, outlet=outlet))]
