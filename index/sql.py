"""Plain SQL files in index/sql/, read once."""

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    return resources.files("index").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
