"""Argument types shared by the command groups (cli/args.py): what they take, and the
message argparse shows for what they refuse."""

import argparse
import os

import pytest

from cli import args

ALLOWED = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
FIRST, LAST = (min(ALLOWED), max(ALLOWED)) if ALLOWED else (0, 0)


@pytest.mark.skipif(not ALLOWED, reason="no CPU affinity on this system")
@pytest.mark.parametrize(("value", "expected"), [
    (str(LAST), {LAST}),
    (f"{FIRST},{LAST}", {FIRST, LAST}),
    (f"{FIRST}-{LAST}", set(range(FIRST, LAST + 1)) & ALLOWED if set(range(FIRST, LAST + 1)) <= ALLOWED else None),
    (f" {LAST} ", {LAST}),
])
def test_cpus_taken(value, expected):
    if expected is None:
        pytest.skip("this process's CPUs are not one range")
    assert args.cpus(value) == frozenset(expected)


@pytest.mark.skipif(not ALLOWED, reason="no CPU affinity on this system")
@pytest.mark.parametrize(("value", "message"), [
    ("one", "not a list of CPU numbers"),
    ("", "not a list of CPU numbers"),
    ("1,", "not a list of CPU numbers"),
    ("2-1", "is not a CPU range"),
    ("-1", "not a list of CPU numbers"),
    ("1-", "not a list of CPU numbers"),
    ("+1", "not a list of CPU numbers"),
    ("1_0", "not a list of CPU numbers"),
    ("\u0661", "not a list of CPU numbers"),       # an Arabic-Indic one: int() would take it
    ("0-100000", "not a list of CPU numbers"),
    (str(LAST + 1000), f"CPU {LAST + 1000} is not one this process may use"),
])
def test_cpus_refused_with_a_reason(value, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        args.cpus(value)
