"""The admin console: server-rendered pages under /admin for ops and admins.

A module per page; every action calls the JSON route's own function, so the console has no
second implementation of any rule, and its refusals are the contract's messages.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.console import fraud, proofs, reports, review, screenshots, share, signin, user
from api.console.render import page, redirect
from api.console.session import NotSignedIn, Refused

PAGES = (signin, review, proofs, screenshots, share, user, fraud, reports)


def install(app: FastAPI) -> None:
    app.mount(
        "/admin/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="console-static",
    )
    for module in PAGES:
        app.include_router(module.router, include_in_schema=False)

    @app.exception_handler(NotSignedIn)
    async def _sign_in(request: Request, _: NotSignedIn) -> Response:
        return redirect(request, "/admin/sign-in")

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return page(request, None, "refused.html", status=exc.status, message=exc.message)
