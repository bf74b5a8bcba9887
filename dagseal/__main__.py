"""``python -m dagseal``: the host CLI, for when the console script is not on PATH."""

from dagseal.cli import main

raise SystemExit(main())
