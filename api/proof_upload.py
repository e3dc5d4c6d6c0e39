"""Reads a payment proof sent as JSON or as multipart with a `screenshot` (CONTRACT.md)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from api import screenshots
from api.errors import ApiError
from api.screenshots import Screenshot

# Fields besides the screenshot are short strings.
MAX_FIELD_BYTES = 4096
M = TypeVar("M", bound=BaseModel)


# The request body as OpenAPI shows it: the same fields either way, plus the file.
def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    # Inline: a model no route takes as a typed body is not in components/schemas.
    schema = model.model_json_schema()
    assert "$defs" not in schema, "nested models would need their definitions too"
    multipart = {
        "allOf": [
            schema,
            {
                "type": "object",
                "properties": {
                    "screenshot": {
                        "type": "string",
                        "format": "binary",
                        "description": "PNG or JPEG, at most 5 MiB",
                    }
                },
            },
        ]
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "multipart/form-data": {"schema": multipart},
            },
        }
    }


async def read_submission(request: Request, model: type[M]) -> tuple[M, Screenshot | None]:
    """The proof's fields and its screenshot (None when sent as JSON or without one).

    Raises:
        ApiError: 400 malformed body; 413/422 a screenshot too large or not what it claims.
        RequestValidationError: a field is invalid (the API's usual 422).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=20, max_part_size=MAX_FIELD_BYTES)
        except Exception as err:  # python-multipart's and starlette's parse errors
            raise ApiError(400, f"the multipart body could not be read: {err}") from err
        try:
            return _validated(model, _fields(form)), await _screenshot(form)
        finally:
            await form.close()
    try:
        raw = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ApiError(400, "the body is not valid JSON of the expected shape") from err
    if not isinstance(raw, dict):
        raise ApiError(400, "the body is not valid JSON of the expected shape")
    return _validated(model, raw), None


def _fields(form: FormData) -> dict[str, Any]:
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def _validated(model: type[M], raw: dict[str, Any]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        errors = [dict(e) | {"loc": ("body", *e["loc"])} for e in err.errors()]
        raise RequestValidationError(errors) from err


async def _screenshot(form: FormData) -> Screenshot | None:
    upload = form.get("screenshot")
    if upload is None or isinstance(upload, str):
        return None
    assert isinstance(upload, UploadFile)
    data = await upload.read(screenshots.MAX_BYTES + 1)
    return screenshots.read(data, filename=upload.filename, content_type=upload.content_type)
