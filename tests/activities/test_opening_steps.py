"""OPEN_AND_SCREEN (patch lean) writes what its four steps wrote as activities of their own:
the share opened and screened, its `screening` and `verifying` statuses audited, the risk
decision kept; and run twice, as Temporal may run it, it writes nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from activities import contracts as c
from db.models import AuditEntry
from tests.support.records import share_row
from tests.support.scenario import profitable_session
from workers.worker import activities_for


async def _actions(deps, event_id: str) -> list[str]:
    async with deps.sessions() as s:
        rows = await s.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == event_id).order_by(AuditEntry.id)
        )
        return list(rows)


async def test_open_and_screen_writes_each_step_once(deps, settings, emulator_url):
    cfg = settings.model_copy(update={"exchange_base_url": emulator_url})
    [open_and_screen] = [a for a in activities_for(deps, cfg) if a.__name__ == "open_and_screen"]
    event = await profitable_session(deps, emulator_url)
    cmd = c.OpenAndScreenInput(event=event, at=datetime.now(UTC))

    risk = await open_and_screen(cmd)
    again = await open_and_screen(cmd)

    assert again == risk
    assert risk.decision in {"allow", "review", "block"}
    assert (await share_row(deps, event.event_id)).status == "verifying"
    actions = await _actions(deps, event.event_id)
    assert [a for a in actions if a.startswith("share.")] == [
        "share.received",
        "share.screening",
        "share.verifying",
    ]
