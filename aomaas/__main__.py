"""``python -m aomaas …``: the same command line as ``aomaas …``."""

import sys

from aomaas.app import main

if __name__ == "__main__":
    sys.exit(main())
