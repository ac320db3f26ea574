"""``python3 -m sipsim_analysis``: the same as the ``sipsim-analyze`` command."""

import sys

from .cli import main

sys.exit(main())
