"""``python -m autodiff``: the ``autodiff`` command."""

import sys

from autodiff.cli import main

sys.exit(main())
