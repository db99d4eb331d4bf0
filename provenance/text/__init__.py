"""Stage 2, text: a document's text -> sentences, tokens with offsets, terms, quotations.

Enters: a text. Leaves: :class:`Sentence` spans (boilerplate flagged) and :class:`Token`
spans into the original text; ``lexicon`` gives stems, stop words and term weights,
``quotes`` the spans inside quotation marks.
"""

from provenance.text.sentences import (
    Sentence,
    Token,
    blocks,
    sentences,
    tokenize,
    words,
)

__all__ = ["Sentence", "Token", "blocks", "sentences", "tokenize", "words"]
