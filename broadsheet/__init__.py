"""broadsheet: newspaper page images in, validated TEI articles and ALTO pages out."""

__version__ = "0.1.0"
