"""The real ECPO folds (晶報 1939): each scan is cut into its pages at the gutters, and no region people drew is cut.

Only ingest and the fold search run here (about a second a fold); `benchmarks/vertical_pages.py` reads them whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from broadsheet.config import PreprocessConfig
from broadsheet.ingest.files import ingest_file
from broadsheet.stages.preprocess import Preprocess
from broadsheet.stages.working_images import WorkingImages
from tests.shared_data import needs_shared, shared_path

ECPO = shared_path("real", "ecpo_jingbao_1939-04-21")
FOLDS = sorted(path.stem for path in (ECPO / "images").glob("*.jpg")) if ECPO.exists() else []
CUT_TOLERANCE = 0.08
"""The share of its width a human polygon may reach over a cut: outlines are drawn by hand around a printed frame
that abuts the gutter (up to 26 px of 420 here), while a cut through the text would leave a large part either side."""

pytestmark = needs_shared(ECPO)


@pytest.mark.parametrize("fold", FOLDS)
def test_each_fold_is_cut_into_its_pages_and_no_region_is_cut(fold: str) -> None:
    pages = ingest_file(ECPO / "images" / f"{fold}.jpg")
    assert 2 <= len(pages) <= 3, "two pages, and the strip between them where a gutter bounds it"
    crops = [page.crop for page in pages]
    assert all(crop is not None for crop in crops)
    widths = [max(c.right) - min(c.left) for c in crops if c]
    assert min(widths[0], widths[-1]) > 0.4 * pages[0].width  # the outer pieces are the pages
    regions = json.loads((ECPO / "derived" / f"regions_{fold}.json").read_text(encoding="utf-8"))["regions"]
    height = pages[0].height
    for region in regions:
        if region["label"] == "additional":  # margins and furniture may run to the sheet's edge, over the gutter
            continue
        for crop in crops[1:]:
            assert crop is not None
            # How far each corner lies right of the cut (a slanting line) at its height.
            slope = (crop.left[1] - crop.left[0]) / (height - 1)
            beyond = [x - (crop.left[0] + slope * y) for x, y in region["polygon"]]
            over = min(-min(beyond), max(beyond))
            assert over <= CUT_TOLERANCE * (max(beyond) - min(beyond)), \
                f"region {region['id']} ({region['label']}) is cut by the gutter at x≈{crop.left[0]:.0f}"


def test_a_page_of_a_fold_keeps_source_pixels(tmp_path: Path) -> None:
    fold = FOLDS[0]
    right = ingest_file(ECPO / "images" / f"{fold}.jpg")[-1]
    page = Preprocess(PreprocessConfig(), WorkingImages(tmp_path))(right)
    assert page.transform.working_width < 0.6 * right.width
    # The working image's first column maps back to the gutter, not to the scan's left edge.
    (_, b, c), _ = page.transform.to_source
    assert abs(c + b * page.transform.working_height / 2 - min(right.crop.left)) < 0.05 * right.width  # type: ignore[union-attr]
