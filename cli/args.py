"""Argument types shared by the command groups: argparse reports their errors."""

from __future__ import annotations

import argparse
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
