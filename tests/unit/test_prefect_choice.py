"""`--prefect auto` runs an issue through Prefect only where Prefect has a server to report to (issue #17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.apps.cli import prefect_api_configured


def test_a_prefect_server_counts_from_the_environment_the_active_profile_or_the_projects_files(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    cwd.mkdir()
    bare = {"PREFECT_HOME": str(home)}
    assert not prefect_api_configured(bare, cwd), "nothing configured: Prefect's ephemeral mode"
    assert prefect_api_configured({**bare, "PREFECT_API_URL": "http://127.0.0.1:4200/api"}, cwd)

    profiles = ('active = "ephemeral"\n[profiles.ephemeral]\nPREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"\n'
                '[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n')
    (home / "profiles.toml").write_text(profiles)
    assert not prefect_api_configured(bare, cwd), "the active profile has no server"
    assert prefect_api_configured({**bare, "PREFECT_PROFILE": "local"}, cwd)
    (home / "profiles.toml").write_text((home / "profiles.toml").read_text().replace('"ephemeral"\n', '"local"\n', 1))
    assert prefect_api_configured(bare, cwd)
    (home / "profiles.toml").write_text("not = toml = at all")
    assert not prefect_api_configured(bare, cwd), "an unreadable profiles file is no server"

    (cwd / "pyproject.toml").write_text('[tool.prefect.api]\nurl = "http://prefect.example.org/api"\n')
    assert prefect_api_configured(bare, cwd)
    (cwd / "pyproject.toml").write_text('[tool.prefect.logging]\nlevel = "INFO"\n')
    assert not prefect_api_configured(bare, cwd)
    (cwd / "prefect.toml").write_text('[api]\nurl = "http://prefect.example.org/api"\n')
    assert prefect_api_configured(bare, cwd)


def test_an_uncached_issue_runs_inline_without_a_prefect_server(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    from broadsheet.apps import cli
    from broadsheet.config import Settings
    from broadsheet.ingest.issue import loose_issue

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.chdir(tmp_path)
    pages = []
    for name in ("0001.png", "0002.png"):
        Image.new("L", (200, 100), 255).save(tmp_path / name)
        pages.append(tmp_path / name)
    issue = loose_issue(pages)
    args = cli._parser().parse_args(["run", *map(str, pages), "--out", str(tmp_path / "out")])
    runner = cli._issue_runner(args, issue, tmp_path / "out", Settings())
    assert getattr(runner, "__name__", "") == "<lambda>", "the inline runner, not the Prefect flow"
