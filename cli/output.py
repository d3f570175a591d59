"""--json output: one JSON document on stdout."""

from __future__ import annotations

import json
import sys

import msgspec


def print_json(value: object) -> None:
    """A domain result (a msgspec Struct) as msgspec encodes it, as the API does; a
    value the command built (dicts, lists, strings, numbers) as json.dumps writes it."""
    text = msgspec.json.encode(value).decode() if isinstance(value, msgspec.Struct) else json.dumps(value)
    sys.stdout.write(text + "\n")
