"""Convenience entry: ``python app.py serve`` is the same as ``aomaas serve``.

The code lives in the ``aomaas`` package (``aomaas/app.py`` is the composition root).
"""

import sys

from aomaas.app import main

if __name__ == "__main__":
    sys.exit(main())
