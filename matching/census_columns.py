"""The census CSV read column by column (Arrow), for large files.

Same rules and the same row errors as the row-by-row reader in census.py: each rule
runs once per distinct value and is spread back to the rows. A file Arrow cannot read
exactly as the row reader would (bytes that are not UTF-8, ragged or multi-line rows,
blank lines) is read by the row reader instead, so every error still names its row.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from matching import census, schemes
from matching.census import CONVERT, MAX_CELL, REQUIRED, CensusRow, RowError

Source = dict[str, pa.Array]


def rows_to_columns(rows: list[CensusRow]) -> Source:
    """Census columns as strings ('' when empty) from parsed rows."""
    plain = ("record_id", "forename", "middle_names", "surname", "preferred_forename", "preferred_surname",
             "former_surname", "gender", "postcode", "address_line1", "address_line2", "town", *schemes.NAMES)
    out = {name: [getattr(r, name) or "" for r in rows] for name in plain}
    out["dob"] = [r.dob.isoformat() for r in rows]
    for i in (1, 2):
        for f in ("forename", "surname"):
            out[f"carer{i}_{f}"] = [getattr(r.carers[i - 1], f) or "" if len(r.carers) >= i else "" for r in rows]
    return {k: pa.array(v, type=pa.string()) for k, v in out.items()}


def _fallback(data: bytes) -> tuple[Source, list[RowError]]:
    rows, errors = [], []
    for item in census.read([data]):
        (rows if isinstance(item, CensusRow) else errors).append(item)
    return rows_to_columns(rows), errors


def _first_error(errors: dict[int, RowError], rows: np.ndarray, column: str, message) -> None:
    for i in rows:
        i = int(i)
        if i not in errors:
            errors[i] = RowError(i + 2, column, message(i) if callable(message) else message)


def _renumber(errors: list[RowError], line_of: np.ndarray | None) -> list[RowError]:
    if line_of is None:
        return errors
    return [RowError(int(line_of[e.row - 2]) + 2, e.column, e.message) for e in errors]


def read(data: bytes) -> tuple[Source, list[RowError]]:
    """(columns of the good rows, row errors). Raises census.FileError for a bad file."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    first, _, _ = data.partition(b"\n")
    try:
        line = first.decode("utf-8").rstrip("\r")
        header = next(csv.reader([line], strict=True), None)
    except (UnicodeDecodeError, csv.Error):
        return _fallback(data)   # the row reader gives the exact error (or reads it)
    if census.delimiter(line) != ",":
        return _fallback(data)   # semicolons or tabs: the row reader reads those
    if not header:
        raise census.FileError("the file is empty: a header row is required")
    columns = census.check_header(header)
    if b"\n\n" in data or b"\n\r\n" in data:
        return _fallback(data)
    try:
        table = pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=columns, skip_rows=1),
            parse_options=pcsv.ParseOptions(newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return _fallback(data)
    source = {c: pc.utf8_trim_whitespace(table.column(c).combine_chunks()) for c in columns}
    # Rows with every cell empty are blank lines to the row reader: skipped, not errors.
    blank = np.ones(table.num_rows, dtype=bool)
    for c in columns:
        blank &= pc.equal(source[c], "").to_numpy(zero_copy_only=False)
    if blank.any():
        line_of = np.flatnonzero(~blank)
        source = {c: pc.filter(v, pa.array(~blank)) for c, v in source.items()}
    else:
        line_of = None
    n = len(source[columns[0]])
    errors: dict[int, RowError] = {}
    for c in columns:  # the order the row reader checks in
        too_long = np.flatnonzero(pc.greater(pc.utf8_length(source[c]), MAX_CELL).to_numpy(zero_copy_only=False))
        _first_error(errors, too_long, c, f"longer than {MAX_CELL} characters")
    for c in REQUIRED:
        empty = np.flatnonzero(pc.equal(source[c], "").to_numpy(zero_copy_only=False))
        _first_error(errors, empty, c, "required, but empty")
    for c, convert in CONVERT.items():
        if c not in source:
            continue
        encoded = pc.dictionary_encode(source[c])
        messages = []
        for value in encoded.dictionary.to_pylist():
            try:
                if value:
                    convert(value)
                messages.append(None)
            except ValueError as exc:
                messages.append(str(exc))
        bad_codes = np.array([m is not None for m in messages], dtype=bool)
        if bad_codes.any():
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            rows = np.flatnonzero(bad_codes[indices])
            _first_error(errors, rows, c, lambda i, ix=indices, ms=messages: ms[ix[i]])
    # Duplicates among the rows still good, later ones reported (as the row reader does).
    ids = source["record_id"]
    candidates = np.ones(n, dtype=bool)
    candidates[list(errors)] = False
    rows = np.flatnonzero(candidates)
    codes = pc.dictionary_encode(ids).indices.to_numpy(zero_copy_only=False)[rows]
    order = np.argsort(codes, kind="stable")
    repeats = rows[order[1:][codes[order][1:] == codes[order][:-1]]]
    if len(repeats):
        id_list = ids.to_pylist()
        for i in np.sort(repeats):
            errors[int(i)] = RowError(int(i) + 2, "record_id", f"duplicate record_id {id_list[int(i)]!r}")
    keep = np.ones(n, dtype=bool)
    keep[list(errors)] = False
    mask = pa.array(keep)
    good = {c: pc.filter(v, mask) for c, v in source.items()}
    return good, _renumber([errors[i] for i in sorted(errors)], line_of)
