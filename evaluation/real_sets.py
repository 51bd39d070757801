"""The real page sets in ``../shared/real`` and readers for their ground truth.

Each set's README (``../shared/real/*/README.md``) says what its truth holds; here each becomes
what the scorers in `evaluation.real_scores` take:

- PAGE XML (Kant 1784, NZZ front pages, GBN): text regions with their polygons and type, in the
  file's ``ReadingOrder`` (document order where it has none), each with its lines' text
  (the line ``TextEquiv``: on some NZZ pages the word-level text is uncorrected OCR). GBN holds
  regions only: no text, no reading order.
- ECPO 晶報 1939 (ECPO XML): per fold, the blocks of its pages in reading order, typed article /
  advert / head / margin / image / other, with their text (``<lb/>`` ends a line). The files declare
  one entity (``&gaiji;``, a glyph Unicode lacks): it is not expanded but read as U+3013 〓, the mark
  ECPO's own conversion uses.
- Topaz Times 1944: the article clippings people drew (`evaluation.clippings`).
- NDNP batch: the pages' ALTO files (existing OCR; no page images but one), for conservation only.
  They are in ``inch1200``, as NDNP prescribes; broadsheet reads them as they are.

All XML is parsed with entities, DTD loading and the network off.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from broadsheet.model.geometry import Polygon
from broadsheet.text.xmlsafe import parse_xml

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real"
"""``../shared/real`` beside the repository: read-only, never committed."""
SETS = ("kant", "nzz", "gbn", "ecpo", "topaz", "ndnp")
GAIJI = "\u3013"
"""What ECPO's ``&gaiji;`` (an unencodable glyph) reads as: the geta mark, as in ECPO's own conversion."""


@dataclass(frozen=True)
class TruthRegion:
    id: str
    type: str
    polygon: Polygon
    lines: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class PageTruth:
    """A PAGE XML file: its text regions in reading order, and whether the file gives that order."""

    path: Path
    image: str
    width: int
    height: int
    regions: tuple[TruthRegion, ...]
    has_reading_order: bool
    has_text: bool


@dataclass(frozen=True)
class TextBlock:
    type: str
    """ECPO's block type: article, advert, head, margin, image or other."""
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.lines)


@dataclass(frozen=True)
class EcpoTruth:
    """One fold (two facing pages and the strip between them): its blocks in reading order, page by page."""

    path: Path
    blocks: tuple[TextBlock, ...]

    @property
    def articles(self) -> list[TextBlock]:
        return [block for block in self.blocks if block.type == "article"]


@dataclass(frozen=True)
class RealPage:
    """One page of a set: the file broadsheet reads (an image, or ALTO for NDNP) and where its truth is."""

    set: str
    name: str
    source: Path
    truth: Path | None = None
    extra: dict[str, Path] = field(default_factory=dict)
    """Other files that score it: ``abbyy`` (NZZ: ABBYY FineReader XIX's reading, a baseline)."""


def _namespace(root: etree._Element) -> str:
    return root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""


def _points(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in text.split())]


def read_page_xml(path: Path) -> PageTruth:
    """A PAGE 2013/2017/2019 file's text regions, in its ReadingOrder (nested groups flattened in order)."""
    root = parse_xml(path).getroot()
    ns = _namespace(root)
    page = root.find(f"{ns}Page")
    if page is None:
        raise ValueError(f"{path} has no Page element")
    by_id: dict[str, TruthRegion] = {}
    for element in page.iter(f"{ns}TextRegion"):
        coords = element.find(f"{ns}Coords")
        if coords is None or not coords.get("points"):
            continue
        lines = tuple(
            "".join(unicode.itertext())
            for line in element.iterfind(f"{ns}TextLine")
            for unicode in line.iterfind(f"{ns}TextEquiv/{ns}Unicode")
        )
        region_id = element.get("id", f"r{len(by_id)}")
        by_id[region_id] = TruthRegion(region_id, element.get("type", "paragraph"),
                                       Polygon.from_points(_points(coords.get("points", ""))), lines)
    order: list[str] = []
    reading_order = page.find(f"{ns}ReadingOrder")
    if reading_order is not None:
        order = _group_order(reading_order, ns)
    ordered = [by_id[rid] for rid in dict.fromkeys(order) if rid in by_id]
    ordered += [region for rid, region in by_id.items() if rid not in set(order)]
    return PageTruth(path=path, image=Path(page.get("imageFilename", "")).name,
                     width=int(page.get("imageWidth", 0)), height=int(page.get("imageHeight", 0)),
                     regions=tuple(ordered), has_reading_order=bool(order),
                     has_text=any(line.strip() for region in ordered for line in region.lines))


def _group_order(group: etree._Element, ns: str) -> list[str]:
    """Region ids of a ReadingOrder group and the groups inside it; indexed children by @index."""
    children = [child for child in group if isinstance(child.tag, str)]
    if any(child.get("index") is not None for child in children):
        children.sort(key=lambda child: int(child.get("index", 0)))
    order: list[str] = []
    for child in children:
        if child.get("regionRef"):  # a region reference, or a group standing for a region itself
            order.append(child.get("regionRef", ""))
        if "Group" in etree.QName(child).localname:
            order.extend(_group_order(child, ns))
    return order


def _ecpo_lines(element: etree._Element) -> list[str]:
    """The text lines of an ECPO block: ``<lb/>`` ends a line, comments are editors' notes, whitespace is layout."""
    lines, current = [], []

    def walk(node: etree._Element) -> None:
        if node.text and isinstance(node.tag, str):
            current.append(node.text)
        for child in node:
            if isinstance(child, etree._Entity):
                current.append(GAIJI)
            elif isinstance(child, etree._Comment | etree._ProcessingInstruction):
                pass
            elif etree.QName(child).localname == "lb":
                lines.append("".join(current))
                current.clear()
            else:
                walk(child)
            if child.tail:
                current.append(child.tail)

    walk(element)
    lines.append("".join(current))
    return [stripped for stripped in ("".join(line.split()) for line in lines) if stripped]


def read_ecpo(path: Path) -> EcpoTruth:
    """An ECPO XML fold: every block of each page, in document (= reading) order.

    The file declares ``&gaiji;`` in its internal DTD subset; `parse_xml` refuses any entity
    declaration, so this parser keeps entities unexpanded (each becomes a node read as `GAIJI`),
    loads no DTD and uses no network.
    """
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    root = etree.fromstring(path.read_bytes(), parser=parser)
    blocks = []
    # Every div of the fold is a page (the strip between the two pages is one too, and some lack @type).
    for page in root.iterchildren("{*}div"):
        for block in page:
            if isinstance(block.tag, str) and etree.QName(block).localname == "div":
                blocks.append(TextBlock(block.get("type", "other"), tuple(_ecpo_lines(block))))
    return EcpoTruth(path=path, blocks=tuple(blocks))


def _ndnp_pages(folder: Path) -> list[Path]:
    """The page ALTO files of an NDNP batch: ALTO files inside an issue's folder (reel targets lie beside them)."""
    pages = []
    for path in sorted(folder.glob("data/*/*/*/*.xml")):
        root = parse_xml(path).getroot()
        if etree.QName(root).localname == "alto":
            pages.append(path)
    return pages


def real_pages(sets: tuple[str, ...] | list[str] = SETS, root: Path = REAL) -> Iterator[RealPage]:
    """Every page of the chosen sets that is present under ``root``, set by set."""
    if "kant" in sets:
        data = root / "kant_aufklaerung_1784" / "data"
        for truth in sorted((data / "OCR-D-GT-PAGE").glob("*.xml")):
            number = truth.stem.split("_")[1]
            yield RealPage("kant", truth.stem, data / "OCR-D-IMG" / f"INPUT_{number}.tif", truth,
                           {"alto": data / "OCR-D-GT-ALTO" / f"PAGE_{number}_ALTO.xml"})
    if "nzz" in sets:
        folder = root / "nzz_black_letter_gt"
        for truth in sorted((folder / "GT-PAGE").glob("*.xml")):
            image = next(iter(sorted((folder / "img").glob(f"*{truth.stem}.tif"))), None)
            if image is not None:
                yield RealPage("nzz", truth.stem, image, truth,
                               {"abbyy": folder / "ABBYY_FineReader_XIX" / truth.name})
    if "gbn" in sets:
        folder = root / "gbn_german_brazilian_newspapers_part2" / "GT-PAGE"
        for truth in sorted(folder.glob("*.xml")):
            yield RealPage("gbn", truth.stem, truth.with_suffix(".png"), truth)
    if "ecpo" in sets:
        folder = root / "ecpo_jingbao_1939-04-21"
        for image in sorted((folder / "images").glob("*.jpg")):
            yield RealPage("ecpo", image.stem, image, folder / "textGT" / f"{image.stem}.xml")
    if "topaz" in sets:
        folder = root / "topaz_times_1944"
        for image in sorted((folder / "pages" / "images").glob("*.tif")):
            yield RealPage("topaz", image.stem, image, folder)
    if "ndnp" in sets:
        for alto in _ndnp_pages(root / "ndnp_batch_test"):
            yield RealPage("ndnp", f"{alto.parent.name}-{alto.stem}", alto)


__all__ = ["REAL", "SETS", "EcpoTruth", "PageTruth", "RealPage", "TextBlock", "TruthRegion",
           "read_ecpo", "read_page_xml", "real_pages"]
