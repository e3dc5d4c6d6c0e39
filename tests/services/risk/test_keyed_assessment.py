"""A keyed assessment (each share's screening): its lookup of the key runs outside a
transaction, like the rest of the assessment."""

from __future__ import annotations

from domain.risk.decision import RiskRequest
from services.risk.service import RiskService
from tests.support.risk import uid
from tests.support.statements import statements


async def test_no_statement_of_a_keyed_assessment_runs_in_a_transaction(deps, settings):
    # A transaction here ended in a ROLLBACK (the lookup only reads), and a rollback makes
    # psycopg forget every statement prepared on the connection (tests/db/test_engine.py):
    # once per share in the workers, so their statements were planned afresh nearly always.
    service = RiskService.from_deps(deps, settings)
    await service.assess(RiskRequest(user_id=uid("u"), action="login"))  # settings cached
    request, key = RiskRequest(user_id=uid("u"), action="profit_claim"), uid("screen")
    with statements() as first:
        decided = await service.assess(request, key=key)
    with statements() as again:
        assert (await service.assess(request, key=key)).decision_id == decided.decision_id
    assert len(first) == 3 and len(again) == 1, (first, again)
    assert not any(in_transaction for _, in_transaction in first + again), (first, again)
