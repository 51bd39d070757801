"""Several files written atomically with one flush to disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.atomic import write_files_atomic


def test_files_written_together_replace_old_ones_and_leave_no_part_file(tmp_path: Path) -> None:
    (tmp_path / "tei").mkdir()
    (tmp_path / "tei" / "a.xml").write_bytes(b"old")
    write_files_atomic({tmp_path / "tei" / "a.xml": b"new a", tmp_path / "tei" / "b.xml": b"new b",
                        tmp_path / "pages" / "p.json": b"{}"})
    assert (tmp_path / "tei" / "a.xml").read_bytes() == b"new a"
    assert (tmp_path / "tei" / "b.xml").read_bytes() == b"new b"
    assert (tmp_path / "pages" / "p.json").read_bytes() == b"{}"
    assert (tmp_path / "tei" / "a.xml").stat().st_mode & 0o777 == 0o644
    assert not list(tmp_path.rglob("*.part"))


def test_a_failed_write_leaves_no_part_file(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(b"old")
    blocked = tmp_path / "b.xml"
    blocked.mkdir()  # a folder where the file should go: its replace fails
    with pytest.raises(OSError):
        write_files_atomic({tmp_path / "a.xml": b"new", blocked: b"x"})
    assert not list(tmp_path.rglob("*.part"))
