"""``python -m toolkit`` is the same as the ``clusterkit`` command."""

import sys

from toolkit.cli import main

sys.exit(main())
