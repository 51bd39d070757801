"""Our TEI grammar is a strict restriction of tei_all: runs validate against it alone, so validity against it must imply
validity against tei_all. Shown on every output of a real run, and on many reorderings and cuts of them."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from broadsheet.apps.cli import EXIT_INVALID, EXIT_OK
from broadsheet.serialise import validate
from broadsheet.serialise.tei import TEI_NS

pytestmark = pytest.mark.slow

VARIANTS_PER_FILE = 60


def _grammar(tree: etree._ElementTree, name: str) -> bool:
    return validate._run_grammar(name, validate._as_tree(tree)).valid


def _variants(tree: etree._ElementTree, rng: random.Random) -> list[etree._ElementTree]:
    """The article div's children shuffled, some dropped, one moved into the header of a sidebar or figure: the
    kinds of change a serialiser bug would make."""
    variants = []
    for _ in range(VARIANTS_PER_FILE):
        copy = etree.ElementTree(etree.fromstring(etree.tostring(tree)))
        div = copy.find(f".//{{{TEI_NS}}}div")
        children = list(div)
        for child in children:
            div.remove(child)
        if rng.random() < 0.5:
            rng.shuffle(children)
        else:  # one child moved elsewhere: the small reorderings that tell the models apart
            moved = children.pop(rng.randrange(len(children)))
            children.insert(rng.randrange(len(children) + 1), moved)
        keep = [c for c in children if rng.random() > 0.15] or children[:1]
        div.extend(keep)
        variants.append(copy)
    return variants


def test_every_output_and_every_reordering_valid_against_ours_is_valid_against_tei_all(
        bundled_run: tuple[Path, object]) -> None:
    out, _ = bundled_run
    files = sorted((out / "tei").glob("*.xml"))
    assert files
    rng = random.Random(17)
    ours_valid = tei_all_only = 0
    for path in files:
        report = validate.validate_tei(path)  # tei_all, our grammar and our Schematron
        assert report.valid, f"{path.name}: {report.errors[:3]}"
        tree = etree.parse(str(path))
        for variant in _variants(tree, rng):
            ours, theirs = _grammar(variant, "broadsheet-rng"), _grammar(variant, "tei_all")
            assert theirs or not ours, f"{path.name}: a variant valid against ours is invalid against tei_all:\n" \
                                       + etree.tostring(variant.find(f".//{{{TEI_NS}}}div"), encoding=str)[:2000]
            ours_valid += ours
            tei_all_only += theirs and not ours
    # The test means something only if some variants pass ours (else "implies" is empty) and some fail it.
    assert ours_valid > 0 and ours_valid < len(files) * VARIANTS_PER_FILE, ours_valid


def test_validate_command_runs_tei_all_over_a_run(bundled_run: tuple[Path, object], tmp_path: Path) -> None:
    import shutil

    out, _ = bundled_run
    command = [sys.executable, "-m", "broadsheet", "validate"]
    done = subprocess.run([*command, str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.strip().endswith("file(s) valid")
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    victim = sorted((broken / "tei").glob("*.xml"))[0]
    tree = etree.parse(str(victim))
    div = tree.find(f".//{{{TEI_NS}}}div")
    div.append(etree.Element(f"{{{TEI_NS}}}head"))  # a head after the text: tei_all's div model forbids it
    tree.write(str(victim), xml_declaration=True, encoding="UTF-8")
    done = subprocess.run([*command, str(broken)], capture_output=True, text=True, timeout=300)
    assert done.returncode == EXIT_INVALID
    assert f"tei/{victim.name}: invalid: tei_all" in done.stderr
