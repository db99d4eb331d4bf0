"""The provenance command-line front end (installed as ``provenance_cli``)."""
