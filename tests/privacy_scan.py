"""Find raw identifiers and calendar dates in output files, whatever their format.

Every output is read as the text a person or a program could get out of it:
plain text as is; HTML with its embedded ``data:...;base64,`` files decoded;
PDF with its compressed streams inflated and its metadata; PNG with its text
chunks (tEXt, zTXt, iTXt); zip containers (docx, xlsx) member by member;
gzip inflated. Then:

- identifiers are matched as whole tokens: ``EX-001`` is found in
  ``patient EX-001,`` but not in ``EX-0012``;
- dates are found by shape in every common form (``2015-03-01``,
  ``2015/03/01``, ``01/03/2015`` and ``03/01/2015``, ``01.03.2015``,
  ``20150301``, ``D:20150301...`` in PDF metadata, ``1 Mar 2015``,
  ``March 1, 2015``), parsed, and compared with the set of raw dates.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Iterable, Iterator

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
# Not preceded by "/" (a URL path such as /2010/05/13/ in a bundled script is no date
# of a patient); the compact form not glued to a word or a version ("-next-20220608").
_ISO_LIKE = re.compile(rb"(?<![0-9/])((?:19|20)\d\d)([-/.])(\d{1,2})\2(\d{1,2})(?![0-9])")
_DAY_FIRST = re.compile(rb"(?<![0-9./])(\d{1,2})([-/.])(\d{1,2})\2((?:19|20)\d\d)(?![0-9])")
_COMPACT = re.compile(rb"(?<![0-9A-Za-z.\-])((?:19|20)\d\d)(\d\d)(\d\d)(?![0-9A-Za-z])")
_PDF_DATE = re.compile(rb"D:((?:19|20)\d\d)(\d\d)(\d\d)")
_DAY_MONTH_NAME = re.compile(rb"(?<![0-9A-Za-z])(\d{1,2})[ -]" + _MONTH.encode() + rb"[ ,-]+((?:19|20)\d\d)(?![0-9])", re.IGNORECASE)
_MONTH_NAME_DAY = re.compile(rb"(?<![A-Za-z])" + _MONTH.encode() + rb" (\d{1,2}),? ((?:19|20)\d\d)(?![0-9])", re.IGNORECASE)
_TOKEN = re.compile(rb"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")
_SEPARATOR = re.compile(rb"[-_.]")
_DATA_URI = re.compile(rb"data:[-\w.+/]+(?:;[^;,\"'\s]+)*;base64,([A-Za-z0-9+/=]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_PDF_SHOW = re.compile(rb"\[((?:\((?:\\.|[^\\)])*\)|[^\]])*)\]\s*TJ|(\((?:\\.|[^\\)])*\))\s*Tj", re.DOTALL)
_PDF_STRING = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.DOTALL)
_PDF_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.DOTALL)


def _date(year: bytes | int, month: bytes | int, day: bytes | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def dates_in(text: bytes) -> set[dt.date]:
    """Every calendar date written in ``text`` in any of the forms above (both
    readings of an ambiguous ``01/03/2015``)."""
    found: set[dt.date] = set()
    for y, _, m, d in _ISO_LIKE.findall(text):
        found.add(_date(y, m, d))
    for a, _, b, y in _DAY_FIRST.findall(text):
        found |= {_date(y, b, a), _date(y, a, b)}
    for pattern in (_COMPACT, _PDF_DATE):
        for y, m, d in pattern.findall(text):
            found.add(_date(y, m, d))
    for d, month, y in _DAY_MONTH_NAME.findall(text):
        found.add(_date(y, MONTHS.index(month[:3].lower().decode()) + 1, d))
    for month, d, y in _MONTH_NAME_DAY.findall(text):
        found.add(_date(y, MONTHS.index(month[:3].lower().decode()) + 1, d))
    found.discard(None)
    return found


def tokens_in(text: bytes) -> set[bytes]:
    """Every identifier-like token and every run of its ``-_.``-separated parts
    (so ``EX-001`` is found inside ``P-EX-001``, never inside ``EX-0012``)."""
    found = set()
    for token in set(_TOKEN.findall(text)):
        found.add(token)
        if not _SEPARATOR.search(token):
            continue
        starts = [0] + [m.end() for m in _SEPARATOR.finditer(token)]
        ends = [m.start() for m in _SEPARATOR.finditer(token)] + [len(token)]
        for i, start in enumerate(starts):
            for end in ends[i:]:
                found.add(token[start:end])
    return found


def readable_parts(data: bytes, name: str = "", depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """The file's bytes and every text hidden in it (see the module docstring), as (where, bytes)."""
    yield name, data
    if depth > 3:
        return
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    yield from readable_parts(archive.read(member), f"{name}!{member}", depth + 1)
        except zipfile.BadZipFile:
            pass
    elif data[:2] == b"\x1f\x8b":
        try:
            yield from readable_parts(gzip.decompress(data), f"{name}!gunzip", depth + 1)
        except (OSError, EOFError):
            pass
    elif data[:5] == b"%PDF-":
        for index, stream in enumerate(_PDF_STREAM.findall(data)):
            try:
                content = zlib.decompress(stream)
            except zlib.error:
                continue
            yield f"{name}!stream{index}", content
            yield f"{name}!stream{index}-text", pdf_shown_text(content)
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        yield from _png_text(data, name)
    elif data[:6] == b"ARROW1":  # the exact copy of a table a stage hands the next (lz4-compressed)
        yield from _arrow_text(data, name)
    if b"base64," in data:
        for index, encoded in enumerate(_DATA_URI.findall(data)):
            try:
                decoded = base64.b64decode(encoded + b"=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                continue
            yield from readable_parts(decoded, f"{name}!data-uri{index}", depth + 1)


def _pdf_unescape(match: re.Match) -> bytes:
    code = match.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(code, code)


def pdf_shown_text(content: bytes) -> bytes:
    """The text a PDF content stream draws (``Tj`` and ``TJ``), one line per operator.

    matplotlib writes Type 3 fonts with one byte per character and Type 42
    (TrueType) fonts with two (``\\x00E``); kerning numbers between the pieces of
    a ``TJ`` array are dropped, so ``[(E) 0.3 (X-001)] TJ`` reads ``EX-001``.
    """
    lines = []
    for array, single in _PDF_SHOW.findall(content):
        pieces = [_PDF_ESCAPE.sub(_pdf_unescape, p) for p in _PDF_STRING.findall(array or single)]
        text = b"".join(pieces)
        if pieces and all(len(p) % 2 == 0 and p[::2].strip(b"\0") == b"" for p in pieces):
            text = text.decode("utf-16-be", errors="replace").encode("utf-8")
        lines.append(text)
    return b"\n".join(lines)


def _arrow_text(data: bytes, name: str) -> Iterator[tuple[str, bytes]]:
    """A Feather (Arrow IPC) file's schema metadata and its rows as CSV text."""
    import pyarrow
    import pyarrow.feather

    try:
        table = pyarrow.feather.read_table(io.BytesIO(data))
    except pyarrow.ArrowException:
        return
    yield f"{name}!metadata", b"\n".join(k + b" " + v for k, v in (table.schema.metadata or {}).items())
    yield f"{name}!rows", table.to_pandas().to_csv(index=False).encode()


def _png_text(data: bytes, name: str) -> Iterator[tuple[str, bytes]]:
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"tEXt":
            yield f"{name}!tEXt", body
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            try:
                yield f"{name}!zTXt", key + b" " + zlib.decompress(rest[1:])
            except zlib.error:
                yield f"{name}!zTXt", body
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed = rest[:1] == b"\x01"
            text = rest[2:].split(b"\0", 2)[-1]
            try:
                yield f"{name}!iTXt", key + b" " + (zlib.decompress(text) if compressed else text)
            except zlib.error:
                yield f"{name}!iTXt", body
        position += 12 + length


def findings(files: dict[str, bytes], identifiers: Iterable[str], dates: Iterable[dt.date]) -> list[str]:
    """Every (file, part, identifier or date) found, as readable lines."""
    wanted = {i.encode() for i in identifiers}
    raw_dates = set(dates)
    lines = []
    for path, data in sorted(files.items()):
        for where, text in readable_parts(data, path):
            for token in sorted(tokens_in(text) & wanted):
                lines.append(f"{where}: identifier {token.decode()!r}")
            for day in sorted(dates_in(text) & raw_dates):
                lines.append(f"{where}: date {day.isoformat()}")
    return lines


def read_files(root: Path, folders: Iterable[str] = ("results", "logs")) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for top in folders for p in sorted((root / top).rglob("*")) if p.is_file()}
