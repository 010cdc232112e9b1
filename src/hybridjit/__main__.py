"""`python -m hybridjit`: the command line (see `hybridjit.cli`)."""

from __future__ import annotations

import sys

from hybridjit.cli import main

sys.exit(main())
