"""An NDNP batch digitised: every issue of `ingest.readers.ndnp.read_batch` into OUT/{issue id}/, and OUT/batch.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from broadsheet.atomic import write_bytes_atomic
from broadsheet.config import Settings
from broadsheet.ingest.readers.ndnp import read_batch
from broadsheet.model.page import Flag, PageStatus
from broadsheet.run.existing import ExistingIssue, digitise_existing_issues
from broadsheet.run.output import ManifestIssue, write_manifest


@dataclass
class IssueResult:
    """What a batch run did with one issue (OUT/batch.json lists these)."""

    id: str
    mets: str
    pages: int = 0
    failed: int = 0
    articles: int = 0
    flags: list[Flag] = field(default_factory=list)


def digitise_batch(path: Path, out_root: Path, settings: Settings,
                   show_progress: bool = False) -> tuple[list[IssueResult], list[Flag]]:
    """Every issue of an NDNP batch into OUT/{issue id}/ (TEI, ALTO, manifest), then OUT/batch.json.

    An issue that cannot be read gets a manifest holding only its flags; the rest of the batch goes on. The pages of
    every issue run across processes together (`digitise_existing_issues`): an issue is often one or two pages.
    """
    issues, batch_flags = read_batch(path)
    results = [IssueResult(id=issue.id, mets=str(issue.mets), flags=issue.flags) for issue in issues]
    manifests = [ManifestIssue.of(issue.id, issue.metadata, issue.flags) for issue in issues]
    readable = [k for k, issue in enumerate(issues) if issue.pages]
    digitised = digitise_existing_issues(
        [ExistingIssue(issues[k].pages, out_root / issues[k].id, manifests[k]) for k in readable], settings,
        show_progress)
    for k, (entries, articles) in zip(readable, digitised, strict=True):
        results[k].pages, results[k].articles = len(entries), articles
        results[k].failed = sum(entry.status == PageStatus.failed for entry in entries)
    for issue, manifest in zip(issues, manifests, strict=True):
        if not issue.pages:
            (out_root / issue.id).mkdir(parents=True, exist_ok=True)
            write_manifest(out_root / issue.id, [], [], {}, issue=manifest)
    summary = {"batch": str(path), "flags": [f.model_dump(mode="json") for f in batch_flags],
               "issues": [{**asdict(r), "flags": [f.model_dump(mode="json") for f in r.flags]} for r in results]}
    out_root.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out_root / "batch.json", json.dumps(summary, ensure_ascii=False, indent=1).encode())
    return results, batch_flags


__all__ = ["IssueResult", "digitise_batch"]
