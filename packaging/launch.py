"""The bundle's entry script: the frozen ``hookflo`` runs ``hookflo.main``.

PyInstaller starts this file as ``__main__``; it does nothing but hand the
process arguments to the same ``main`` the installed ``hookflo`` command runs.
"""

import sys

from hookflo.main import main

if __name__ == "__main__":
    sys.exit(main())
