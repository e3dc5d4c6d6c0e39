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


AppDeps = Annotated[Deps, Depends(app_deps)]
