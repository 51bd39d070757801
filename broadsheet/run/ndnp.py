"""An NDNP batch digitised: every issue of `ingest.readers.ndnp.read_batch` into OUT/{issue id}/, and OUT/batch.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from broadsheet.atomic import write_bytes_atomic
from broadsheet.config import Settings
from broadsheet.ingest.readers.ndnp import read_batch
from broadsheet.model.page import Flag, PageStatus
from broadsheet.run.existing import digitise_existing
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


def digitise_batch(path: Path, out_root: Path, settings: Settings) -> tuple[list[IssueResult], list[Flag]]:
    """Every issue of an NDNP batch into OUT/{issue id}/ (TEI, ALTO, manifest), then OUT/batch.json.

    An issue that cannot be read gets a manifest holding only its flags; the rest of the batch goes on.
    """
    issues, batch_flags = read_batch(path)
    results: list[IssueResult] = []
    for issue in issues:
        out = out_root / issue.id
        manifest_issue = ManifestIssue.of(issue.id, issue.metadata, issue.flags)
        result = IssueResult(id=issue.id, mets=str(issue.mets), flags=issue.flags)
        if issue.pages:
            entries, result.articles = digitise_existing(issue.pages, out, settings, issue=manifest_issue)
            result.pages = len(entries)
            result.failed = sum(entry.status == PageStatus.failed for entry in entries)
        else:
            out.mkdir(parents=True, exist_ok=True)
            write_manifest(out, [], [], {}, issue=manifest_issue)
        results.append(result)
    summary = {"batch": str(path), "flags": [f.model_dump(mode="json") for f in batch_flags],
               "issues": [{**asdict(r), "flags": [f.model_dump(mode="json") for f in r.flags]} for r in results]}
    out_root.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out_root / "batch.json", json.dumps(summary, ensure_ascii=False, indent=1).encode())
    return results, batch_flags


__all__ = ["IssueResult", "digitise_batch"]
