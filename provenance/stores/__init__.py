"""Storage behind :class:`provenance.index.Index`: one contract (``base``), two backends.

``sqlite`` keeps an index in one file (sorted immutable key runs); ``redis`` in a Redis
database shared by several workers.
"""
