"""NDNP batches (Chronicling America): BATCH.xml, each issue's METS with MODS and MIX, ALTO per page.

A batch is read as NDNP delivers it: `BATCH.xml` (in the batch folder or its bag's `data/`) lists the issues;
each issue's METS gives the LCCN, date, edition, volume and issue number (MODS), the pages in order with their
printed numbers, each page's files (the ALTO, the master TIFF and service JP2, which may be absent) and the
master image's resolution (MIX). Nothing here reads pixels or OCR: `NdnpIssue.pages` are `ExistingPage`s for
`broadsheet.run.existing.digitise_existing`. A problem with one issue (its METS missing or broken, an issue the batch
names twice) is that issue's flag; a problem with one page (the METS names an ALTO that is not there) is that
page's failure; the rest of the batch goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from broadsheet.model.page import Flag, IssueMetadata, Severity
from broadsheet.text.xmlsafe import UnsafeXMLError, parse_xml

from . import ExistingPage

NDNP_NS = "http://www.loc.gov/ndnp"
METS_NS = "http://www.loc.gov/METS/"
MODS_NS = "http://www.loc.gov/mods/v3"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
BATCH_NAMES = ("BATCH.xml", "batch.xml")
CM_PER_INCH = 2.54
# METS @LABEL of an NDNP issue: "Daily national Democrat (Marysville, Calif.), 1858-08-13".
_LABEL = re.compile(r"^(?P<title>.*?)\s*(?:\((?P<place>[^()]*)\))?\s*,\s*\d{4}-\d{2}-\d{2}\s*$")
_M = {"m": METS_NS, "mods": MODS_NS}


class NdnpError(ValueError):
    """A batch or METS file that cannot be read as NDNP; the message names the file."""


@dataclass
class NdnpIssue:
    """One issue of a batch: where its outputs go, what fills its TEI headers, and its pages in order."""

    id: str
    """`{lccn}_{date}_ed-{edition}`: the folder under OUT."""
    mets: Path
    metadata: IssueMetadata
    pages: list[ExistingPage] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    """Issue-level problems; an error flag means the issue could not be read and has no pages."""


def batch_file(path: Path) -> Path | None:
    """The BATCH.xml of a batch folder (or its bag's data/), or the file itself; None when it is not a batch."""
    if path.is_dir():
        for folder in (path, path / "data"):
            for name in BATCH_NAMES:
                if (folder / name).is_file():
                    return folder / name
        return None
    if path.suffix.lower() == ".xml" and path.is_file():
        with path.open("rb") as file:
            head = file.read(4096)
        # An NDNP batch file by its root element, whatever its name (an ALTO page may be called batch_01.xml).
        if re.search(rb"<(?:\w+:)?batch[\s>]", head) and b"http://www.loc.gov/ndnp" in head:
            return path
    return None


def _parse(path: Path, what: str) -> etree._Element:
    try:
        return parse_xml(path).getroot()
    except FileNotFoundError:
        raise NdnpError(f"{path} does not exist") from None
    except (UnsafeXMLError, etree.XMLSyntaxError) as exc:
        raise NdnpError(f"{path.name}: not a readable {what}: {exc}") from None


def read_batch(path: Path) -> tuple[list[NdnpIssue], list[Flag]]:
    """The batch's issues in the order BATCH.xml lists them, and the batch's own problems.

    Raises `NdnpError` when the batch file itself cannot be read; every later problem is a flag.
    """
    found = batch_file(path)
    if found is None:
        raise NdnpError(f"{path} holds no BATCH.xml")
    root = _parse(found, "NDNP batch")
    if etree.QName(root).localname != "batch":
        raise NdnpError(f"{found.name}: the root element is {etree.QName(root).localname!r}, not an NDNP batch")
    issues: list[NdnpIssue] = []
    flags: list[Flag] = []
    seen: dict[str, str] = {}
    for el in root.iter(f"{{{NDNP_NS}}}issue", "issue"):
        relative = (el.text or "").strip()
        key = f"{el.get('lccn')}/{el.get('issueDate')}/{el.get('editionOrder')}"
        if relative in seen or key in seen:
            flags.append(Flag(code="batch-duplicate-issue", severity=Severity.error,
                              reason=f"{found.name} names the issue {relative} ({key}) twice; read once"))
            continue
        seen[relative] = seen[key] = relative
        issues.append(read_issue(found.parent / relative, lccn=el.get("lccn"), date=el.get("issueDate"),
                                 edition=el.get("editionOrder")))
    if not issues:
        flags.append(Flag(code="batch-empty", severity=Severity.error, reason=f"{found.name} lists no issue"))
    return issues, flags


def _text(el: etree._Element | None, path: str) -> str | None:
    found = el.find(path, _M) if el is not None else None
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _detail(mods: etree._Element | None, kind: str) -> str | None:
    return _text(mods, f".//mods:part/mods:detail[@type='{kind}']/mods:number")


def _mix_dpi(techmd: etree._Element | None) -> float | None:
    """The X sampling frequency of a MIX record in dots per inch (unit 2: inch, 3: centimetre)."""
    if techmd is None:
        return None
    values = {etree.QName(el).localname: (el.text or "").strip() for el in techmd.iter() if isinstance(el.tag, str)}
    try:
        frequency = float(values.get("XSamplingFrequency", ""))
    except ValueError:
        return None
    if frequency <= 0:
        return None
    return frequency * CM_PER_INCH if values.get("SamplingFrequencyUnit") == "3" else frequency


def _issue_id(lccn: str, date: str, edition: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{lccn}_{date}_ed-{edition}")


def read_issue(mets: Path, lccn: str | None = None, date: str | None = None, edition: str | None = None) -> NdnpIssue:
    """One issue's METS: its MODS metadata and its pages in order. The batch's values fill what MODS lacks."""
    fallback = IssueMetadata(title=mets.stem, date=date, edition=edition, lccn=lccn, source="mets")
    try:
        root = _parse(mets, "METS")
    except NdnpError as exc:
        return NdnpIssue(id=_issue_id(lccn or "unknown", date or mets.stem, edition or "1"), mets=mets,
                         metadata=fallback, flags=[Flag(code="bad-mets", severity=Severity.error, reason=str(exc))])
    dmd = {el.get("ID"): el.find(".//mods:mods", _M) for el in root.iterfind("m:dmdSec", _M)}
    issue_div = root.find(".//m:structMap//m:div[@TYPE='np:issue']", _M)
    issue_mods = dmd.get(issue_div.get("DMDID")) if issue_div is not None else None
    label = _LABEL.match(root.get("LABEL") or "")
    lccn = _text(issue_mods, ".//mods:identifier[@type='lccn']") or lccn or "unknown"
    date = _text(issue_mods, ".//mods:dateIssued") or date or "undated"
    edition = _detail(issue_mods, "edition") or edition or "1"
    metadata = IssueMetadata(
        title=(label.group("title") if label else "") or root.get("LABEL") or lccn, place=label.group("place")
        if label else None, date=date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None, edition=edition,
        volume=_detail(issue_mods, "volume"), issue_number=_detail(issue_mods, "issue"), lccn=lccn, source="mets")
    issue = NdnpIssue(id=_issue_id(lccn, date, edition), mets=mets, metadata=metadata)
    files = {el.get("ID"): el for el in root.iterfind(".//m:fileSec//m:file", _M)}
    techmd = {el.get("ID"): el for el in root.iterfind(".//m:amdSec/m:techMD", _M)}
    pages = root.findall(".//m:structMap//m:div[@TYPE='np:page']", _M) if issue_div is not None else []
    for sequence, div in enumerate(pages, start=1):
        by_use: dict[str, etree._Element] = {}
        for fptr in div.iterfind("m:fptr", _M):
            file_el = files.get(fptr.get("FILEID"))
            if file_el is not None:
                by_use.setdefault(file_el.get("USE") or "", file_el)

        def href(use: str, by_use: dict[str, etree._Element] = by_use) -> str | None:
            flocat = by_use[use].find("m:FLocat", _M) if use in by_use else None
            return flocat.get(XLINK_HREF) if flocat is not None else None

        number = _text(dmd.get(div.get("DMDID")), ".//mods:extent[@unit='pages']/mods:start") \
            or _text(dmd.get(div.get("DMDID")), ".//mods:detail[@type='page number']/mods:number")
        ocr = href("ocr")
        if ocr is None:
            issue.flags.append(Flag(code="mets-page-without-ocr", severity=Severity.error,
                                    reason=f"{mets.name}: page {sequence} names no OCR file; not digitised"))
            continue
        images = [name for use in ("service", "master") if (name := href(use))]
        present = next((mets.parent / name for name in images if (mets.parent / name).is_file()), None)
        master = by_use.get("master")
        # The master image's MIX: named by the file's ADMID list (NDNP also names it mix{file ID}).
        refs = [*(master.get("ADMID") or "").split(), f"mix{master.get('ID')}"] if master is not None else []
        mix = next((techmd[ref] for ref in refs if ref in techmd
                    and techmd[ref].find("m:mdWrap[@MDTYPE='NISOIMG']", _M) is not None), None)
        issue.pages.append(ExistingPage(
            ocr=mets.parent / ocr, image=present, image_name=images[0] if images else None, mets_dpi=_mix_dpi(mix),
            page_number=int(number) if number and number.isdigit() else sequence, issue=metadata,
            named_by=mets.name))
    if not issue.pages and not issue.flags:
        issue.flags.append(Flag(code="mets-no-pages", severity=Severity.error,
                                reason=f"{mets.name} lists no page (structMap div TYPE np:page)"))
    return issue




__all__ = ["NdnpError", "NdnpIssue", "batch_file", "read_batch", "read_issue"]
