"""The contract's one error shape: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError

log = structlog.get_logger()

_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


# psycopg's refusal of a NUL in a text parameter (it never reaches PostgreSQL).
_NUL = "cannot contain NUL"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or _CODES.get(status, "error")
        self.details = details or []


def error_body(
    status: int, message: str, *, code: str | None = None, details: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code or _CODES.get(status, "error"),
            "message": message,
            "details": details or [],
        }
    }


def error_response(status: int, message: str, **kw: Any) -> JSONResponse:
    return JSONResponse(error_body(status, message, **kw), status_code=status)


def _field_errors(exc: RequestValidationError) -> tuple[int, list[dict[str, Any]]]:
    details, malformed = [], False
    for err in exc.errors():
        if err.get("type") in ("json_invalid", "model_attributes_type") or (
            err.get("type") == "missing" and tuple(err.get("loc", ())) == ("body",)
        ):
            malformed = True
        details.append(
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    return (400 if malformed else 422), details


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, code=exc.code, details=exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, details = _field_errors(exc)
        message = (
            "the body is not valid JSON of the expected shape"
            if status == 400
            else "some fields are invalid"
        )
        return error_response(status, message, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable", error=type(exc).__name__)
        return error_response(503, "the database is unavailable; retry later")

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # The models refuse NUL where text comes in (domain/types.Text); this is the last line
        # for a field that slipped through: the value can never be stored, so retrying (a
        # 503's advice) cannot help, and it is no outage to log as one.
        if _NUL in str(exc.orig):
            log.warning("a value with NUL reached the database", path=request.url.path)
            return error_response(422, "a text value contains a NUL character")
        return await _database_down(request, exc)

    @app.exception_handler(RPCError)
    async def _temporal_down(_: Request, exc: RPCError) -> JSONResponse:
        log.warning("temporal unavailable", status=str(exc.status))
        return error_response(503, "the workflow service is unavailable; retry later")
