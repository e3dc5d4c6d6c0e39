"""The process's clients (runtime.deps.Deps) as a route parameter: `deps: AppDeps`.

The app builds one Deps at start-up and keeps it on app.state; routes ask for it by type
instead of each reaching into app.state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from runtime.deps import Deps


def app_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


async def _resolved(request: Request) -> Deps:
    # async, though it awaits nothing: FastAPI runs a plain `def` dependency in its thread
    # pool, and that hop (a thread woken, then the loop woken back) was a wait of its own on
    # every request when the machine is busy.
    return app_deps(request)


AppDeps = Annotated[Deps, Depends(_resolved)]
