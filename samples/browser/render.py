"""Chromium lays the page out, prints it and screenshots it; the truth is read from its DOM after layout.

One layout serves both outputs: the DOM is measured in CSS pixels under print media, the PNG is a screenshot
at `dpi` (device scale factor dpi/96, optionally with light scan damage), and the PDF is Chromium's own print of
the same DOM at the page's size (1 CSS px = 0.75 pt). Each output gets its own truth, in its own pixels: the
PNG's, and the PDF page's rasterised at `pdf_dpi` (the pipeline's ingest.pdf_dpi, 300 by default).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
from PIL import Image

from samples.articles import load_pool
from samples.browser.design import PageDesign, draw_design
from samples.browser.markup import PageMarkup
from samples.imaging import Degradation

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium; Playwright drives it and never downloads a browser of its own."""
FORMAT = "broadsheet-gt/1"
CSS_DPI = 96.0
BOX_PAD_CSS = 1.5
"""Text boxes are the ink of their lines plus this much (CSS px) on every side."""
PAGE_SCRIPT = Path(__file__).with_name("page.js")


class ChromiumMissingError(RuntimeError):
    """/usr/bin/chromium is not installed (Debian package `chromium`)."""


def chromium_available() -> bool:
    return CHROMIUM.exists()


@dataclass
class RenderedPage:
    """One design, written once per format: `paths[fmt]` is the file, `truths[fmt]` its broadsheet-gt/1 truth."""

    design: PageDesign
    paths: dict[str, Path] = field(default_factory=dict)
    truths: dict[str, dict[str, Any]] = field(default_factory=dict)
    truth_paths: dict[str, Path] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)
    """What page.js measured, in CSS pixels (regions with their lines, separators, articles)."""


class Browser:
    """A Chromium process kept for many pages: starting one costs about a second."""

    def __init__(self) -> None:
        if not chromium_available():
            raise ChromiumMissingError(f"{CHROMIUM} is absent: install the Debian package `chromium`")
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.chromium = self._playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                         args=["--font-render-hinting=none"])
        self.version = self.chromium.version

    def close(self) -> None:
        self.chromium.close()
        self._playwright.stop()


@contextmanager
def browser_session() -> Iterator[Browser]:
    browser = Browser()
    try:
        yield browser
    finally:
        browser.close()


def _scaled(box: Sequence[float], scale: float, pad: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return (x0 - pad) * scale, (y0 - pad) * scale, (x1 + pad) * scale, (y1 + pad) * scale


def _region(region_id: str, kind: str, box: tuple[float, float, float, float], text: str, article: str | None,
            matrix: np.ndarray | None, width: int, height: int) -> dict[str, Any]:
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)
    if matrix is not None:
        corners = np.hstack([corners, np.ones((4, 1))]) @ matrix.T
    corners[:, 0] = corners[:, 0].clip(0, width)
    corners[:, 1] = corners[:, 1].clip(0, height)
    polygon = [[round(float(x), 1), round(float(y), 1)] for x, y in corners]
    bbox = [max(0, math.floor(corners[:, 0].min())), max(0, math.floor(corners[:, 1].min())),
            min(width, math.ceil(corners[:, 0].max())), min(height, math.ceil(corners[:, 1].max()))]
    return {"id": region_id, "type": kind, "polygon": polygon, "box": bbox, "article": article, "text": text}


def build_truth(layout: dict[str, Any], design: PageDesign, seed: int, image: str, width: int, height: int,
                dpi: float, degradation: Degradation, source: dict[str, Any]) -> dict[str, Any]:
    """The broadsheet-gt/1 truth of one output from the measured layout, in that output's pixels."""
    scale = dpi / CSS_DPI
    matrix = degradation.matrix(width, height) if degradation.skew_degrees else None
    regions: list[dict[str, Any]] = []
    order: list[str] = []
    by_article: dict[str, list[str]] = {}
    for measured in layout["regions"]:
        region_id = f"r{len(regions) + 1}"
        pad = 0.0 if measured["type"] == "figure" or not measured["lines"] else BOX_PAD_CSS
        box = _scaled(measured["box"], scale, pad)
        regions.append(_region(region_id, measured["type"], box, measured["text"], measured["article"], matrix,
                               width, height))
        order.append(region_id)
        if measured["article"]:
            by_article.setdefault(measured["article"], []).append(region_id)
    for rule in layout["separators"]:
        regions.append(_region(f"r{len(regions) + 1}", "separator", _scaled(rule, scale, 0.0), "", None, matrix,
                               width, height))
    articles = [{"id": a["id"], "headline": a["headline"], "region_ids": by_article.get(a["id"], []),
                 "paragraphs": a["paragraphs"]} for a in layout["articles"]]
    return {
        "format": FORMAT, "image": image, "width": width, "height": height, "dpi": dpi,
        "language": design.lang, "layout": "browser", "seed": seed, "degradation": degradation.as_dict(),
        "regions": regions, "reading_order": order, "articles": articles,
        "source": source, "design": design.as_dict(),
    }


def _degradation(degrade: bool | str | Degradation, seed: int) -> tuple[Degradation, np.random.Generator]:
    rng = np.random.default_rng([seed, 96])
    if isinstance(degrade, Degradation):
        chosen = degrade
    elif degrade:
        chosen = Degradation.random(rng, "light" if degrade in (True, "light") else "normal")
    else:
        chosen = Degradation.none()
    return replace(chosen, jpeg_quality=None), rng  # the screenshot stays a PNG


def _pdf_raster_size(path: Path, dpi: float) -> tuple[int, int]:
    """Pixels of the PDF's first page rasterised at dpi, as pdfplumber (pypdfium2) sizes its bitmap."""
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        scale = dpi / 72
        return math.ceil(float(page.width) * scale - 0.01), math.ceil(float(page.height) * scale - 0.01)


def render_page(lang: str, seed: int, out_dir: Path | str, *, size: str = "a4", dpi: float = 200,
                formats: Sequence[str] = ("png", "pdf"), degrade: bool | str | Degradation = "light",
                pdf_dpi: float = 300, name: str | None = None, browser: Browser | None = None) -> RenderedPage:
    """Draw a design from `seed`, lay it out in Chromium, and write `<name>.png` / `<name>.pdf` with their truths.

    Args:
        lang: "zh" or "en"; the texts come from samples/text (samples.articles.load_pool).
        seed: the design, the texts' placement, the pictures and the scan damage all follow from it.
        out_dir: where `<name>.<fmt>` and `<name>.<fmt>.gt.json` are written.
        size: "a4" or "broadsheet" (375 x 597 mm).
        dpi: the PNG's resolution; the PDF's truth is in the pixels of its page rasterised at `pdf_dpi`.
        degrade: light scan damage on the PNG ("light" or True: samples.imaging.Degradation's light setting,
            "normal", False for a clean screenshot, or a Degradation); the PDF is always clean.
        browser: a running Browser to reuse across pages (one is started and closed otherwise).

    Returns:
        RenderedPage with the design, each format's path and truth (broadsheet-gt/1, as samples.generator
        documents it, plus `design` and `source`).

    Raises:
        ChromiumMissingError: /usr/bin/chromium is absent.
        RuntimeError: a module of the drawn design cannot show its head block and one paragraph even with every
            optional part dropped (a bug in the designer).
    """
    unknown = set(formats) - {"png", "pdf"}
    if unknown:
        raise ValueError(f"formats must be png and/or pdf, got {sorted(unknown)}")
    if browser is None:
        with browser_session() as own:
            return render_page(lang, seed, out_dir, size=size, dpi=dpi, formats=formats, degrade=degrade,
                               pdf_dpi=pdf_dpi, name=name, browser=own)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = name or f"{lang}_{size}_{seed}"
    pool = load_pool(lang)
    design = draw_design(lang, seed, size, pool)
    markup = PageMarkup(design, {t.name: t for t in pool}, pool, seed).html()
    width_css, height_css = design.width_mm / 25.4 * CSS_DPI, design.height_mm / 25.4 * CSS_DPI
    context = browser.chromium.new_context(
        viewport={"width": math.ceil(width_css), "height": math.ceil(height_css)}, device_scale_factor=dpi / CSS_DPI)
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        page.set_content(markup, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.add_script_tag(path=str(PAGE_SCRIPT))
        unfit = page.evaluate("browserPage.fit()")
        if unfit:
            raise RuntimeError(f"{name}: modules {unfit} cannot hold their head and one paragraph (seed {seed})")
        layout = page.evaluate("browserPage.measure()")
        if layout["clipped"]:
            raise RuntimeError(f"{name}: lines outside their module (seed {seed}): {layout['clipped'][:3]}")
        result = RenderedPage(design=design, layout=layout)
        source = {"renderer": "chromium", "version": browser.version}
        if "png" in formats:
            shot = page.screenshot(clip={"x": 0, "y": 0, "width": width_css, "height": height_css}, type="png")
            image = Image.open(io.BytesIO(shot)).convert("L")
            degradation, rng = _degradation(degrade, seed)
            image = degradation.apply(image, rng)
            path = out / f"{name}.png"
            image.save(path, "PNG", compress_level=6, dpi=(dpi, dpi))
            result.paths["png"] = path
            result.truths["png"] = build_truth(layout, design, seed, path.name, image.width, image.height, dpi,
                                               degradation, {**source, "output": "screenshot"})
        if "pdf" in formats:
            path = out / f"{name}.pdf"
            page.pdf(path=str(path), width=f"{design.width_mm}mm", height=f"{design.height_mm}mm",
                     print_background=True, margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
                     prefer_css_page_size=True)
            result.paths["pdf"] = path
            width, height = _pdf_raster_size(path, pdf_dpi)
            result.truths["pdf"] = build_truth(layout, design, seed, path.name, width, height, pdf_dpi,
                                               Degradation.none(), {**source, "output": "print"})
    finally:
        context.close()
    for fmt, truth in result.truths.items():
        truth_path = out / f"{name}.{fmt}.gt.json"
        truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        result.truth_paths[fmt] = truth_path
    return result
