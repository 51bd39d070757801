"""Regenerate schemas/page-model.schema.json from the pydantic page model.

python schemas/make_page_model_schema.py          # rewrite the file
python schemas/make_page_model_schema.py --check  # exit 1 if the file is out of date (CI)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "schemas" / "page-model.schema.json"


def render() -> str:
    # Imported here so the script works from any working directory (schemas/ is not a package).
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from broadsheet.model.page import MODEL_VERSION, Page

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            f"Generated from broadsheet.model.page.Page (model version {MODEL_VERSION}) by "
            "schemas/make_page_model_schema.py; do not edit by hand."
        ),
        **Page.model_json_schema(),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the file is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
