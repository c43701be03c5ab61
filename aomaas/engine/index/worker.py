"""A worker process for the index: ``python -m aomaas.engine.index.worker``.

Reads ``(root, items)`` pickled on stdin, writes the :func:`read_batch` results
pickled on stdout. A plain subprocess (not multiprocessing) so that callers'
``__main__`` modules are never re-imported and no threads are forked.
"""

from __future__ import annotations

import pickle
import sys

from aomaas.engine.index.reader import read_batch


def main() -> None:
    """Serve one batch."""
    root, items = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by our own parent process
    pickle.dump(read_batch(root, items), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
