"""Allow ``python -m hookflo``."""

import sys

from hookflo.main import main

sys.exit(main())
