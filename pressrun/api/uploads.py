"""File uploads read with a size cap, and keyword CSVs parsed with every bad row named.

The request body is parsed here rather than by FastAPI's `UploadFile` so that an oversized
upload is refused as its bytes arrive, not after all of them were spooled to disk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator

from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from pressrun.api.input_guard import NUL, NUL_MESSAGE
from pressrun.api.schemas.common import TEXT_INPUT
from pressrun.api.schemas.keywords import KeywordIn
from pressrun.errors import FieldError

# Room for the multipart boundaries and part headers around the file itself.
_ENVELOPE_BYTES = 16_384
KEYWORD_COLUMNS = ("keyword", "volume", "difficulty", "intent")

UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _too_large(field: str, limit: int) -> FieldError:
    return FieldError([((field,), f"the upload is larger than the {limit}-byte limit")])


async def read_upload(request: Request, field: str, limit: int) -> bytes:
    """The bytes of the multipart file `field`; more than `limit` bytes is a FieldError."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _ENVELOPE_BYTES:
        raise _too_large(field, limit)
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data":
        raise FieldError([((field,), "send the file as multipart/form-data")])

    async def capped() -> AsyncGenerator[bytes, None]:
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit + _ENVELOPE_BYTES:
                raise _too_large(field, limit)
            yield chunk

    try:
        form = await MultiPartParser(request.headers, capped(), max_files=1, max_fields=10).parse()
    except MultiPartException as err:
        raise FieldError([((field,), f"malformed multipart body: {err.message}")]) from None
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise FieldError([((field,), "a file is required")])
        data = await upload.read(limit + 1)
    finally:
        await form.close()
    if len(data) > limit:
        raise _too_large(field, limit)
    return data


def parse_keyword_csv(data: bytes, *, field: str, max_rows: int) -> list[KeywordIn]:
    """Rows of a `keyword,volume,difficulty,intent` CSV (only `keyword` required).

    All rows are checked before any is returned; errors name rows counted from 1 at the
    first data row, with the file's line number alongside.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FieldError([((field,), f"not UTF-8 text (byte {err.start})")]) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if any(NUL in name for name in header):
            raise FieldError([((field,), f"the header row {NUL_MESSAGE}")])
        if "keyword" not in header:
            raise FieldError([((field,), "the header row must name a `keyword` column")])
        unknown = sorted(set(header) - set(KEYWORD_COLUMNS))
        if unknown or len(set(header)) != len(header):
            raise FieldError(
                [
                    (
                        (field,),
                        f"header columns must be distinct names from {', '.join(KEYWORD_COLUMNS)}"
                        + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
                    )
                ]
            )
        rows: list[KeywordIn] = []
        errors: list[tuple[tuple[str | int, ...], str]] = []
        number = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            number += 1
            if number > max_rows:
                raise FieldError([((field,), f"more than {max_rows} keywords in one import")])
            where = f"row {number} (line {reader.line_num})"
            if len(cells) != len(header):
                errors.append(
                    (
                        (field, number),
                        f"{where}: {len(cells)} columns, the header has {len(header)}",
                    )
                )
                continue
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
            nul_columns = [name for name, value in values.items() if NUL in value]
            if nul_columns:
                errors.extend(
                    ((field, number, name), f"{where}: {NUL_MESSAGE}") for name in nul_columns
                )
                continue
            try:
                cells_given = {k: v for k, v in values.items() if v}
                rows.append(KeywordIn.model_validate(cells_given, context=TEXT_INPUT))
            except ValidationError as err:
                errors.extend(
                    ((field, number, *e["loc"]), f"{where}: {e['msg']}") for e in err.errors()
                )
    except csv.Error as err:
        raise FieldError([((field,), f"malformed CSV at line {reader.line_num}: {err}")]) from None
    if errors:
        raise FieldError(errors)
    if not rows:
        raise FieldError([((field,), "the file has no keyword rows")])
    return rows
