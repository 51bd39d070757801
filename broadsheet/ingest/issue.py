"""An issue folder: its page files in order, their printed page numbers, and the issue's metadata.

Metadata comes from a sidecar (`issue.yaml`, `issue.yml` or `issue.json`) when there is one, else it
is guessed from the folder and file names. A sidecar that cannot be read is an issue-level error flag,
never an exception: the defaults are used and the pages are still processed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from broadsheet.config import IngestConfig
from broadsheet.ingest.files import NON_UTF8_NAME, failed_page, frame_count, ingest_file
from broadsheet.ingest.names import (
    DATE,
    PAGE_SUFFIXES,
    guess_metadata,
    is_utf8_name,
    iso_date,
    page_number_from_name,
    printable,
)
from broadsheet.model.page import Flag, IssueMetadata, Page, Severity

SIDECAR_NAMES = ("issue.yaml", "issue.yml", "issue.json")
METADATA_KEYS = ("title", "date", "edition", "issue_number", "volume", "publisher", "place", "language", "lccn")



class Issue(BaseModel):
    """An issue folder, resolved: what to ingest and what to write into every TEI header."""

    folder: Path
    id: str
    """Stable and filesystem-safe: from title, date and edition, else the folder name."""
    metadata: IssueMetadata
    files: list[Path]
    """Page files in page order (images and PDFs; the sidecar and hidden files excluded)."""
    page_numbers: dict[str, int]
    """File name -> printed page number of its first page; later frames of the file follow on."""
    flags: list[Flag]
    """Issue-level problems: no sidecar, an unreadable sidecar, pages it names that are missing."""
    refused: list[str] = []
    """Page files refused before ingest, as printable names: names that are not UTF-8, which no TEI, manifest or
    task parameter can hold. Each becomes a failed page of the issue."""


def _split_refused(files: list[Path]) -> tuple[list[Path], list[str]]:
    return [p for p in files if is_utf8_name(p)], [printable(p) for p in files if not is_utf8_name(p)]


class _SidecarLoader(yaml.SafeLoader):
    """yaml.safe_load's loader, but dates stay text (an impossible date then gets our message, not a traceback)
    and aliases are refused: metadata needs none, and nested aliases (a "billion laughs" file) expand into more
    data than any machine holds once walked."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a sidecar",
                                              event.start_mark)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


_SidecarLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class SidecarError(ValueError):
    """A sidecar that exists but cannot be used; the message names the file and, where known, the line."""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def issue_id(metadata: IssueMetadata, folder: Path) -> str:
    if metadata.source == "sidecar" or metadata.date:
        parts = [slug(metadata.title), metadata.date or "", slug(metadata.edition or "")]
        built = "_".join(p for p in parts if p)
        if built:
            return built
    return slug(folder.resolve().name) or "issue"


def _natural_key(path: Path) -> tuple[object, ...]:
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name))


def page_files(folder: Path) -> list[Path]:
    """Everything directly in the folder named as an image or PDF, hidden files and sidecars left out, in natural
    name order. A name is not a file: a folder or a broken link named page_03.tif stays, to fail as a page with its
    reason, rather than vanish from the issue unnoticed."""
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".")
                   and p.name not in SIDECAR_NAMES and p.suffix.lower() in PAGE_SUFFIXES), key=_natural_key)


def _yaml_line(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def read_sidecar(path: Path, max_bytes: int = IngestConfig().max_sidecar_bytes) -> dict[str, Any]:
    """The sidecar's mapping; anything unusable raises SidecarError naming the file and line."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SidecarError(f"{path.name} is {size:,} bytes, over the {max_bytes:,} byte limit "
                               "(ingest.max_sidecar_bytes): not metadata")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SidecarError(f"{path.name} is not UTF-8 text (a binary file?): {exc.reason} at byte {exc.start}") \
            from exc
    except OSError as exc:
        raise SidecarError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SidecarError(f"{path.name} line {exc.lineno}: {exc.msg}") from exc
    else:
        try:
            data = yaml.load(text, Loader=_SidecarLoader)  # a SafeLoader: no Python objects
        except yaml.YAMLError as exc:
            raise SidecarError(f"{path.name} {_yaml_line(exc)}") from exc
    if not isinstance(data, dict):
        raise SidecarError(f"{path.name} must hold a mapping of keys (title, date, ...), not {type(data).__name__}")
    return data


def _metadata_from(data: dict[str, Any], defaults: IssueMetadata, sidecar: str) -> IssueMetadata:
    values: dict[str, str] = {}
    for key in METADATA_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str | int | float):
            raise SidecarError(f"{sidecar}: '{key}' must be text, not {type(value).__name__}")
        values[key] = str(value).strip()
    if "date" in values:
        match = DATE.fullmatch(values["date"])
        date = iso_date(*match.groups()) if match else None
        if date is None:
            raise SidecarError(f"{sidecar}: date {values['date']!r} is not a date as YYYY-MM-DD")
        values["date"] = date
    values.setdefault("title", defaults.title)
    if "date" not in values and defaults.date:
        values["date"] = defaults.date
    return IssueMetadata(**values, source="sidecar")


def _sidecar_pages(data: dict[str, Any], sidecar: str) -> dict[str, int] | list[str] | None:
    pages = data.get("pages")
    if pages is None:
        return None
    if isinstance(pages, list) and all(isinstance(name, str) for name in pages):
        return pages
    if isinstance(pages, dict) and all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                                       for n in pages.values()):
        return {str(name): number for name, number in pages.items()}
    raise SidecarError(f"{sidecar}: 'pages' must map file names to page numbers (page_01.tif: 1) "
                       "or list file names in page order")


def _numbered(files: list[Path], first_numbers: dict[str, int | None], config: IngestConfig) -> dict[str, int]:
    """Page numbers where known, the rest following on from the file before (a multi-page file counts each page).

    Only headers are read, and a file that cannot be counted counts as one page (ingest then says what is wrong
    with it), so one broken file never stops the numbering of the others."""
    numbers: dict[str, int] = {}
    following = 1
    for path in files:
        number = first_numbers.get(path.name) or following
        numbers[path.name] = number
        following = number + frame_count(path, config)
    return numbers


def _order_and_number(files: list[Path], listed: dict[str, int] | list[str] | None, flags: list[Flag],
                      sidecar: str | None, config: IngestConfig) -> tuple[list[Path], dict[str, int]]:
    by_name = {p.name: p for p in files}
    if listed is not None:
        missing = [name for name in listed if name not in by_name]
        if missing:
            flags.append(Flag(code="sidecar-missing-page", severity=Severity.warning,
                              reason=f"{sidecar} names pages that are not in the folder: {', '.join(missing)}"))
        unlisted = [p for p in files if p.name not in listed]
        if unlisted:
            flags.append(Flag(code="sidecar-unlisted-page", severity=Severity.warning,
                              reason=f"{sidecar} does not list {', '.join(p.name for p in unlisted)}; "
                                     "numbered after the listed pages"))
        if isinstance(listed, list):
            ordered = [by_name[name] for name in listed if name in by_name] + unlisted
            return ordered, _numbered(ordered, {}, config)
        known = sorted((p for p in files if p.name in listed), key=lambda p: listed[p.name])
        ordered = known + unlisted
        return ordered, _numbered(ordered, {name: listed[name] for name in listed if name in by_name}, config)
    guessed = {p.name: page_number_from_name(p) for p in files}
    numbers = list(guessed.values())
    if files and all(numbers) and len(set(numbers)) == len(numbers):
        ordered = sorted(files, key=lambda p: guessed[p.name] or 0)
        return ordered, _numbered(ordered, guessed, config)
    return files, _numbered(files, {}, config)


def loose_issue(files: list[Path], config: IngestConfig | None = None) -> Issue:
    """Page files given one by one: an issue with metadata guessed from their folder, pages in the order given."""
    folder = files[0].parent if files else Path(".")
    metadata = guess_metadata(folder)
    files, refused = _split_refused(files)
    numbers = _numbered(files, {p.name: page_number_from_name(p) for p in files}, config or IngestConfig())
    return Issue(folder=folder, id=issue_id(metadata, folder), metadata=metadata, files=files,
                 page_numbers=numbers, flags=[], refused=refused)


def load_issue(folder: Path, config: IngestConfig | None = None) -> Issue:
    """Resolve an issue folder: its sidecar (or guesses from names), its page files in order and their numbers.

    Never raises for what is in the folder: a bad sidecar or a folder that cannot be listed is an issue flag,
    a bad page file a failed page later."""
    folder = Path(folder)
    config = config or IngestConfig()
    flags: list[Flag] = []
    defaults = guess_metadata(folder)
    metadata = defaults
    listed: dict[str, int] | list[str] | None = None
    sidecars = [folder / name for name in SIDECAR_NAMES if (folder / name).is_file()]
    sidecar_name = sidecars[0].name if sidecars else None
    if len(sidecars) > 1:
        flags.append(Flag(code="several-sidecars", severity=Severity.warning,
                          reason=f"{', '.join(p.name for p in sidecars)} all exist; only {sidecars[0].name} is read"))
    if not sidecars:
        flags.append(Flag(code="no-sidecar", severity=Severity.warning,
                          reason=f"no sidecar ({' / '.join(SIDECAR_NAMES)}); metadata guessed from names: "
                                 f"title {defaults.title!r}, date {defaults.date or 'unknown'}"))
    else:
        try:
            data = read_sidecar(sidecars[0], config.max_sidecar_bytes)
            metadata = _metadata_from(data, defaults, sidecars[0].name)
            listed = _sidecar_pages(data, sidecars[0].name)
            unknown = sorted(set(data) - {*METADATA_KEYS, "pages"})
            if unknown:
                flags.append(Flag(code="sidecar-unknown-key", severity=Severity.warning,
                                  reason=f"{sidecars[0].name}: unknown keys ignored: {', '.join(map(str, unknown))}"))
        except SidecarError as exc:
            metadata, listed = defaults, None
            flags.append(Flag(code="bad-sidecar", severity=Severity.error,
                              reason=f"{exc}; metadata guessed from names instead"))
    try:
        found = page_files(folder)
    except OSError as exc:
        found = []
        flags.append(Flag(code="unlistable-folder", severity=Severity.error,
                          reason=f"{printable(folder)} cannot be listed: {exc.strerror or exc}"))
    found, refused = _split_refused(found)
    files, page_numbers = _order_and_number(found, listed, flags, sidecar_name, config)
    if not files and not refused:
        flags.append(Flag(code="no-pages", severity=Severity.error,
                          reason=f"{printable(folder)} holds no page files ({', '.join(sorted(PAGE_SUFFIXES))})"))
    return Issue(folder=folder, id=issue_id(metadata, folder), metadata=metadata, files=files,
                 page_numbers=page_numbers, flags=flags, refused=refused)


def ingest_issue(issue: Issue, config: IngestConfig) -> list[Page]:
    """Every page of the issue, in page order, carrying the issue's metadata and its printed page number."""
    pages: list[Page] = []
    for path in issue.files:
        first = issue.page_numbers.get(path.name, 1)
        for page in ingest_file(path, config):
            pages.append(page.model_copy(update={"issue": issue.metadata, "page_number": first + page.frame}))
    refused = [failed_page(Path(name), NON_UTF8_NAME, code="bad-name") for name in issue.refused]
    return pages + [page.model_copy(update={"issue": issue.metadata}) for page in refused]
