"""What a submitted census file becomes before anything is stored: its digest, and the
rows the index may hold.

A school's file carries more than the index may keep: a CTF has SEN, FSM, attendance,
assessments, previous schools and contact e-mails; a CSV may have columns we refuse.
So the file is parsed at submission, here, and only the extracted rows (identity,
address, carers; see matching.census.CensusRow) are stored for the worker, as msgpack,
compressed, until the feed is processed. The source bytes are never stored; a file
that cannot be read is rejected whole and nothing of it is kept but its error.

Pure CPU work with no database: the HTTP route runs `prepare` in a thread so the
event loop stays free; the command line calls it directly.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec

from index.feeds import ctf, parse
from matching.census import FileError

CHUNK = 1 << 20
_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(parse.Parsed)


class Prepared(msgspec.Struct, kw_only=True):
    """A submission, ready to store: `parsed` when the file could be read, else `error`."""
    sha256: bytes
    size: int
    format: str
    parsed: parse.Parsed | None = None
    error: str | None = None
    stored: bytes | None = None      # the rows as stored (encode_rows), compressed here, off the event loop

    @property
    def header(self) -> ctf.CtfHeader | None:
        return None if self.parsed is None else self.parsed.header


class _Hashing:
    """Chunks passed through while counting and hashing them."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks, self.digest, self.size = chunks, hashlib.sha256(), 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.digest.update(chunk)
            self.size += len(chunk)
            yield chunk


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def prepare(source: bytes | Path, format: str, *, max_bytes: int) -> Prepared:
    """Hash and parse a submitted file (bytes, or a file on disk read in chunks)."""
    chunks = _Hashing(_file_chunks(source) if isinstance(source, Path) else parse.chunks(source))
    parsed, error = None, None
    try:
        parsed = parse.parse_chunks(chunks, format, max_bytes=max_bytes)
    except FileError as exc:
        error = str(exc).replace("\n", " ")[:500]
    for _ in chunks:      # a rejected file is still hashed whole: resubmitting it is recognised
        pass
    return Prepared(sha256=chunks.digest.digest(), size=chunks.size, format=format, parsed=parsed, error=error,
                    stored=None if parsed is None else encode_rows(parsed))


def encode_rows(parsed: parse.Parsed) -> bytes:
    """The stored form of a feed's rows: msgpack, zlib-compressed."""
    return zlib.compress(_ENCODER.encode(parsed), 1)   # kept only until processed: speed over size


def decode_rows(data: bytes) -> parse.Parsed:
    return _DECODER.decode(zlib.decompress(data))
