"""`python -m broadsheet`: the `broadsheet` command."""

from broadsheet.apps.cli import main

raise SystemExit(main())
