"""Newspaper pages designed and laid out by a real browser, with exact ground truth: the independent page designer.

The PIL generator (samples.generator) was written by the people who wrote the pipeline's typing and article rules.
This designer shares no code with it: a page is HTML and CSS (a CSS grid of modules, article bodies in CSS
multi-column flow, real font fallback, the browser's own line breaking), laid out by Chromium through Playwright,
screenshotted to PNG and printed to PDF; the truth is read from the DOM after layout. Public API::

    from samples.browser import render_page, browser_session
    page = render_page("zh", seed=7, out_dir="out", size="a4", dpi=200)   # -> RenderedPage
    page.paths["pdf"], page.truths["pdf"]                                  # out/zh_a4_7.pdf, its truth

    with browser_session() as browser:                                     # one Chromium for many pages
        for seed in range(10):
            render_page("en", seed, "out", browser=browser)

Each output has its truth beside it, `<name>.<fmt>.gt.json`, in the broadsheet-gt/1 format that
samples.generator.generate_page documents (evaluation.generated.score_page reads it unchanged), plus `design`
(every drawn switch, samples.browser.design.PageDesign) and `source` (renderer and output kind).
"""

from samples.browser.design import PAGE_MM, PageDesign, draw_design
from samples.browser.render import (
    CHROMIUM,
    Browser,
    ChromiumMissingError,
    RenderedPage,
    browser_session,
    chromium_available,
    render_page,
)

__all__ = [
    "CHROMIUM",
    "PAGE_MM",
    "Browser",
    "ChromiumMissingError",
    "PageDesign",
    "RenderedPage",
    "browser_session",
    "chromium_available",
    "draw_design",
    "render_page",
]
