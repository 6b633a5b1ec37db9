"""Python's cyclic garbage collector, paused while the pipeline makes its objects.

A build makes millions of small containers (facts, terms, lines, network nodes) and no
reference cycles worth collecting: everything it makes is freed by reference counting or
kept to the end. Each full collection they set off walks every object already made, so a
build spent about a third of its time in the collector at 10,000 entities (`make bench`
measures the pipeline with it paused). A forked helper inherits the pause, so it never
walks, and so never copies, the pages it shares with its parent.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, then as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
