"""Argument types shared by the command groups: argparse reports their errors."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable

from matching.identifiers import LA_CODES


def la_code(value: str) -> str:
    if value not in LA_CODES:
        raise argparse.ArgumentTypeError(f"{value!r} is not a 3-digit DfE LA code")
    return value


def whole_number(high: int | None = None) -> Callable[[str], int]:
    """A whole number from 1 (to high, when given)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if high is None and number < 1:
            raise argparse.ArgumentTypeError("must be 1 or more")
        if high is not None and not 1 <= number <= high:
            raise argparse.ArgumentTypeError(f"must be between 1 and {high:,}")
        return number

    return parse


positive = whole_number()


def nice(value: str) -> int:
    """A nice value to lower a process's priority by: 0 (unchanged) to 19 (lowest)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 0 <= number <= 19:
        raise argparse.ArgumentTypeError("must be between 0 and 19")
    return number


def cpus(value: str) -> frozenset[int]:
    """CPUs to run on, as taskset lists them: "1", "2,3", "0-3" (only CPUs this process
    may use now)."""
    chosen: set[int] = set()
    for part in value.split(","):
        matched = re.fullmatch(r"\s*(\d{1,5})(?:-(\d{1,5}))?\s*", part, re.ASCII)
        if matched is None:
            raise argparse.ArgumentTypeError(f"{value!r} is not a list of CPU numbers such as 1 or 2,3 or 0-3")
        first, last = int(matched[1]), int(matched[2] or matched[1])
        if last < first:
            raise argparse.ArgumentTypeError(f"{part.strip()!r} is not a CPU range (its end is before its start)")
        chosen.update(range(first, last + 1))
    if not hasattr(os, "sched_getaffinity"):
        raise argparse.ArgumentTypeError("this system cannot keep a process to chosen CPUs")
    allowed = os.sched_getaffinity(0)
    if not chosen <= allowed:
        raise argparse.ArgumentTypeError(f"CPU {min(chosen - allowed)} is not one this process may use "
                                         f"(it may use {','.join(map(str, sorted(allowed)))})")
    return frozenset(chosen)
