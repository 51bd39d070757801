"""NDNP batches: BATCH.xml, METS with MODS and MIX, ALTO in inch1200; bad batches fail an issue or page, not all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.apps.cli import main
from broadsheet.config import OutputConfig, Settings
from broadsheet.ingest.readers.ndnp import read_batch, read_issue
from broadsheet.model.page import PageStatus
from broadsheet.run.existing import digitise_existing
from tests.integration.test_existing_ocr import alto
from tests.shared_data import needs_shared, shared_path

REAL_BATCH = shared_path("real", "ndnp_batch_test")
TEI = {"t": "http://www.tei-c.org/ns/1.0"}


def mets(pages: list[str], *, date: str = "1858-08-13", mix_dpi: int | None = None) -> bytes:
    """An NDNP issue METS naming one ALTO per page (and its absent images), the master's MIX optional."""
    dmd, files, divs, amd = [], [], [], []
    for n, stem in enumerate(pages, start=1):
        dmd.append(f"""<dmdSec ID="pageModsBib{n}"><mdWrap MDTYPE="MODS"><xmlData><MODS:mods><MODS:part>
          <MODS:extent unit="pages"><MODS:start>{n + 1}</MODS:start></MODS:extent></MODS:part></MODS:mods>
          </xmlData></mdWrap></dmdSec>""")
        files.append(f"""<fileGrp><file ID="masterFile{n}" USE="master"><FLocat xlink:href="./{stem}.tif"/></file>
          <file ID="serviceFile{n}" USE="service"><FLocat xlink:href="./{stem}.jp2"/></file>
          <file ID="ocrFile{n}" USE="ocr"><FLocat xlink:href="./{stem}.xml"/></file></fileGrp>""")
        divs.append(f"""<div TYPE="np:page" DMDID="pageModsBib{n}"><fptr FILEID="masterFile{n}"/>
          <fptr FILEID="serviceFile{n}"/><fptr FILEID="ocrFile{n}"/></div>""")
        if mix_dpi:
            amd.append(f"""<techMD ID="mixmasterFile{n}"><mdWrap MDTYPE="NISOIMG"><xmlData><mix:mix>
              <mix:SamplingFrequencyUnit>3</mix:SamplingFrequencyUnit>
              <mix:XSamplingFrequency>{mix_dpi / 2.54:.4f}</mix:XSamplingFrequency></mix:mix></xmlData></mdWrap>
              </techMD>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mets xmlns="http://www.loc.gov/METS/" xmlns:MODS="http://www.loc.gov/mods/v3" xmlns:mix="http://www.loc.gov/mix/"
      xmlns:xlink="http://www.w3.org/1999/xlink" LABEL="Daily national Democrat (Marysville, Calif.), {date}">
  <dmdSec ID="issueModsBib"><mdWrap MDTYPE="MODS"><xmlData><MODS:mods><MODS:relatedItem type="host">
    <MODS:identifier type="lccn">sn84038814</MODS:identifier><MODS:part>
    <MODS:detail type="volume"><MODS:number>1</MODS:number></MODS:detail>
    <MODS:detail type="issue"><MODS:number>2</MODS:number></MODS:detail>
    <MODS:detail type="edition"><MODS:number>1</MODS:number></MODS:detail></MODS:part></MODS:relatedItem>
    <MODS:originInfo><MODS:dateIssued encoding="iso8601">{date}</MODS:dateIssued></MODS:originInfo>
  </MODS:mods></xmlData></mdWrap></dmdSec>
  {"".join(dmd)}<amdSec>{"".join(amd)}</amdSec><fileSec>{"".join(files)}</fileSec>
  <structMap><div TYPE="np:issue" DMDID="issueModsBib">{"".join(divs)}</div></structMap>
</mets>""".encode()


def batch(tmp_path: Path, issues: list[tuple[str, str]]) -> Path:
    """A bag-shaped batch folder: data/BATCH.xml listing (date, METS path) issues."""
    data = tmp_path / "batch" / "data"
    data.mkdir(parents=True)
    listed = "".join(f'<issue lccn="sn84038814" issueDate="{date}" editionOrder="1">{path}</issue>'
                     for date, path in issues)
    (data / "BATCH.xml").write_text(f'<batch xmlns="http://www.loc.gov/ndnp" name="t">{listed}</batch>')
    return tmp_path / "batch"


def test_an_issue_is_read_from_its_mets(tmp_path: Path) -> None:
    folder = tmp_path / "1858081301"
    folder.mkdir()
    (folder / "issue.xml").write_bytes(mets(["0006", "0007"], mix_dpi=300))
    issue = read_issue(folder / "issue.xml")
    assert issue.id == "sn84038814_1858-08-13_ed-1" and not issue.flags
    meta = issue.metadata
    assert (meta.title, meta.place, meta.lccn, meta.volume, meta.issue_number, meta.edition) == (
        "Daily national Democrat", "Marysville, Calif.", "sn84038814", "1", "2", "1")
    assert [(p.ocr.name, p.page_number, p.image, p.image_name) for p in issue.pages] == [
        ("0006.xml", 2, None, "./0006.jp2"), ("0007.xml", 3, None, "./0007.jp2")]
    assert issue.pages[0].mets_dpi == pytest.approx(300)


def test_a_bad_batch_fails_issues_and_pages_and_the_rest_goes_on(tmp_path: Path) -> None:
    root = batch(tmp_path, [("1858-08-13", "a/issue.xml"), ("1858-08-13", "a/issue.xml"),
                            ("1858-08-14", "b/issue.xml"), ("1858-08-15", "c/missing.xml")])
    a, b = root / "data" / "a", root / "data" / "b"
    a.mkdir()
    b.mkdir()
    (a / "issue.xml").write_bytes(mets(["0001", "0002"], mix_dpi=300))
    (a / "0001.xml").write_bytes(alto("inch1200"))  # 0002.xml is named by the METS but missing
    (b / "issue.xml").write_bytes(b"<mets><unclosed>")
    issues, flags = read_batch(root)
    assert [f.code for f in flags] == ["batch-duplicate-issue"] and "twice" in flags[0].reason
    assert [i.flags[0].code for i in issues[1:]] == ["bad-mets", "bad-mets"]
    assert "missing.xml does not exist" in issues[2].flags[0].reason
    out = tmp_path / "out"
    assert main(["run", str(root), "--out", str(out), "--quiet"]) == 6  # some failed, the rest written
    good = json.loads((out / "sn84038814_1858-08-13_ed-1" / "manifest.json").read_text())
    statuses = {Path(p["source"]).name: p for p in good["pages"]}
    assert statuses["0001.xml"]["status"] != PageStatus.failed and statuses["0001.xml"]["resolution_from"] == "mets"
    assert statuses["0002.xml"]["status"] == PageStatus.failed
    assert "issue.xml names 0002.xml, which does not exist" in statuses["0002.xml"]["flags"][0]["reason"]
    summary = json.loads((out / "batch.json").read_text())
    assert [(i["id"], i["pages"], i["failed"]) for i in summary["issues"]] == [
        ("sn84038814_1858-08-13_ed-1", 2, 1), ("sn84038814_1858-08-14_ed-1", 0, 0),
        ("sn84038814_1858-08-15_ed-1", 0, 0)]
    tei = etree.parse(str(next((out / "sn84038814_1858-08-13_ed-1" / "tei").glob("*.xml"))))
    assert tei.findtext(".//t:monogr/t:idno[@type='LCCN']", namespaces=TEI) == "sn84038814"
    assert tei.findtext(".//t:monogr/t:biblScope[@unit='page']", namespaces=TEI) == "2"
    assert tei.find(".//t:surface/t:graphic", TEI).get("url").endswith("a/0001.jp2")  # as the METS names it


@needs_shared(REAL_BATCH)
def test_the_real_ndnp_batch_becomes_article_tei(tmp_path: Path) -> None:
    issues, flags = read_batch(REAL_BATCH)
    assert not flags and [i.id for i in issues] == ["sn84038814_1858-08-13_ed-1", "sn84038814_1858-08-14_ed-1",
                                                    "sn84038814_1859-01-01_ed-1", "sn85025202_1857-02-14_ed-1"]
    assert [len(i.pages) for i in issues] == [2, 1, 1, 1] and issues[3].metadata.title == "Weekly Trinity journal"
    out = tmp_path / "out"
    # The one-page issue of the second title: the whole batch is measured by benchmarks/existing_ocr.py.
    entries, articles = digitise_existing(issues[3].pages, out, Settings(output=OutputConfig(validate_tei=False)))
    assert entries[0].status != PageStatus.failed and articles >= 5
    # No image, no MIX in these METS, no --dpi: the geometry stays in 1/1200 inch, and the manifest says so.
    assert entries[0].unit == "inch1200" and entries[0].dpi is None
