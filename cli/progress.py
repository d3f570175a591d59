"""Progress of a long command: one line on stderr, redrawn in place, on a terminal only."""

from __future__ import annotations

import sys

WIDTH = 30


class Progress:
    """Called with (done, total) as work goes on; a bar with the counts, e.g.
    `[###...] 1,500/3,000 rows`, ended with a new line when done reaches total. Shows
    nothing when not enabled or when stderr is not a terminal (a log file)."""

    def __init__(self, unit: str, *, enabled: bool = True) -> None:
        self.unit = unit
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        filled = int(WIDTH * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{total:,} {self.unit}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
