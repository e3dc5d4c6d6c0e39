"""A workflow that reads the wall clock, in a module of its own: the sandbox imports a
workflow's module afresh, so this one imports nothing but what the workflow needs."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow


@workflow.defn(name="ReadsTheWallClock")
class ReadsTheWallClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()  # what workflow.now() exists for
