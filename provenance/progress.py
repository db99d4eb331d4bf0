"""Progress reporting and the timed-phase clock shared by the roads (scan, dedup, index)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Clock", "Progress", "no_progress"]

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: called as work advances (for a progress bar). ``total`` is
0 when it is not known in advance (a stream)."""


def no_progress(phase: str, done: int, total: int) -> None:
    """The progress callback that reports nothing (the default everywhere)."""


class Clock:
    """Seconds spent in each named phase: ``with clock.phase("sign"): ...``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start,
                                       6)
