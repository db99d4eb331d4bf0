"""Stage 7, render: results -> text a person or another tool reads. Renderers never compute.

Enters: an :class:`~provenance.scan.Analysis` or records from the stages. Leaves: strings
(terminal tables, CSV, JSON) or files (the self-contained HTML page, a PNG heat map).
"""
