"""Safe XML input and XML-safe output helpers shared by the serialisers.

Anything that parses XML from outside the pipeline (ALTO from another tool, a TEI file handed back for
validation) goes through `parse_xml`: no entity expansion, no DTD loading, no network, libxml2's size
limits on. Text and ids going *into* XML go through `clean_text` / `ncname` so that lxml never refuses a
value half-way through writing a document.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

__all__ = [
    "IdAllocator",
    "UnsafeXMLError",
    "clean_text",
    "ncname",
    "parse_xml",
]


class UnsafeXMLError(ValueError):
    """The document declares entities (or otherwise asks the parser to do something we refuse to do)."""


# XML 1.0 `Char` minus the C0/C1 controls that XML 1.0 merely "discourages": OCR engines emit them as
# garbage and downstream tools (and XML 1.1-unaware validators) choke on them. Tab, LF and CR stay.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


# The encodings libxml2 auto-detects; scanning each keeps a UTF-16 entity bomb from reaching the parser.
_SCAN_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")

_NCNAME_BAD = re.compile(r"[^A-Za-z0-9._-]")


def clean_text(text: str) -> str:
    """Drop characters XML cannot carry, so serialisation never fails on OCR noise."""
    return _FORBIDDEN_CHARS.sub("", text)


def ncname(raw: str, prefix: str = "") -> str:
    """Turn an arbitrary model id into an NCName (valid xml:id / xsd:ID).

    ASCII-only on purpose: non-ASCII name characters are legal but some consumers' ID handling is not.
    """
    name = _NCNAME_BAD.sub("_", f"{prefix}{raw}")
    if not name or not (name[0].isalpha() or name[0] == "_"):
        name = f"_{name}"
    return name


class IdAllocator:
    """Hands out document-unique NCNames: sanitising can map two model ids onto the same name."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def reserve(self, raw: str, prefix: str = "") -> str:
        base = ncname(raw, prefix)
        name, n = base, 2
        while name in self._used:
            name = f"{base}-{n}"
            n += 1
        self._used.add(name)
        return name


def _declares_entities(raw: bytes) -> bool:
    # Deliberately coarse (a "<!ENTITY" in a comment also trips it): a false alarm is cheap, a miss is not.
    return any("<!DOCTYPE".encode(enc) in raw and "<!ENTITY".encode(enc) in raw for enc in _SCAN_ENCODINGS)


def _safe_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe and this one is cheap to build.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes | bytearray | Path) -> etree._ElementTree:
    """Parse untrusted XML.

    Raises `UnsafeXMLError` for entity declarations and `etree.XMLSyntaxError` for malformed input.
    """
    if isinstance(data, Path):
        raw = data.read_bytes()
        base_url: str | None = str(data)
    elif isinstance(data, bytes | bytearray):
        raw = bytes(data)
        base_url = None
    else:
        # A str is ambiguous (path or document?), so make the caller say which.
        raise TypeError(f"parse_xml takes bytes or a pathlib.Path, not {type(data).__name__}")

    # Refuse before libxml2 sees the internal subset at all; the post-parse check below also catches
    # encodings (UTF-16) this byte-level scan cannot see through.
    if _declares_entities(raw):
        raise UnsafeXMLError("XML declares entities in its DOCTYPE (entity expansion / XXE risk); refused")

    tree = etree.fromstring(raw, parser=_safe_parser(), base_url=base_url).getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXMLError("XML declares entities in its DOCTYPE (entity expansion / XXE risk); refused")
    return tree
