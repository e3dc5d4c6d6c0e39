"""NOTIFY_USER: one message per share and stage, however often Temporal runs the activity,
and the provider's idempotency key covering the one window the database cannot."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify.contracts import NOTIFICATION_REFUSED, NotifyUserInput
from activities.notify.user import HttpNotifier, RecordingNotifier, UserNotifications
from db.models import Notification
from emulators.serve import serving
from tests.support.statements import statements

TOKEN = "provider-token"
REMINDER = {
    "amount_due": "13275.00",
    "currency": "INR",
    "payment_reference": "PS0123456789ABCD",
    "due_at": "2026-11-27",
}


def reminder(event_id: str, stage: str = "day01-reminder") -> NotifyUserInput:
    return NotifyUserInput(
        event_id=event_id, user_id="u_42", stage=stage, template="reminder", params=REMINDER
    )


async def notify(acts: UserNotifications, cmd: NotifyUserInput) -> bool:
    return await ActivityEnvironment().run(acts.notify_user, cmd)


async def stored(deps, key: str) -> Notification | None:
    async with deps.sessions() as s:
        return await s.scalar(select(Notification).where(Notification.key == key))


def new_event() -> str:
    return f"evt_{uuid.uuid4().hex[:10]}"


async def test_a_stage_is_sent_once_however_often_the_activity_runs(deps) -> None:
    recorder = RecordingNotifier()
    acts = UserNotifications(deps.sessions, recorder)
    event = new_event()
    assert await notify(acts, reminder(event)) is True
    assert await notify(acts, reminder(event)) is False
    assert [m.idempotency_key for m in recorder.sent] == [f"{event}:day01-reminder"]
    assert "13275.00 INR" in recorder.sent[0].message.text
    row = await stored(deps, f"{event}:day01-reminder")
    assert row is not None and row.sent_at is not None and row.provider_id == "recorded-1"
    assert (row.user_id, row.template, row.channel) == ("u_42", "reminder", "email")


class _DiesSending(RecordingNotifier):
    """The provider call never returns: the worker died with the row claimed, not marked."""

    async def send(self, out) -> str | None:  # type: ignore[no-untyped-def]
        raise ConnectionError("worker lost")


async def test_a_message_claimed_but_never_marked_sent_is_sent_by_the_retry(deps) -> None:
    event = new_event()
    with pytest.raises(ConnectionError):
        await notify(UserNotifications(deps.sessions, _DiesSending()), reminder(event))
    claimed = await stored(deps, f"{event}:day01-reminder")
    assert claimed is not None and claimed.sent_at is None
    recorder = RecordingNotifier()
    assert await notify(UserNotifications(deps.sessions, recorder), reminder(event)) is True
    assert [m.idempotency_key for m in recorder.sent] == [f"{event}:day01-reminder"]


async def test_a_message_is_two_statements_and_no_transaction(deps) -> None:
    acts = UserNotifications(deps.sessions, RecordingNotifier())
    with statements() as seen:
        assert await notify(acts, reminder(new_event())) is True
    assert [(sql.split()[0], in_transaction) for sql, in_transaction in seen] == [
        ("WITH", False),  # the row claimed, or the earlier one's sent_at read
        ("UPDATE", False),  # marked sent
    ]


async def test_each_stage_of_a_share_gets_its_own_message(deps) -> None:
    recorder = RecordingNotifier()
    acts = UserNotifications(deps.sessions, recorder)
    event = new_event()
    for day in (1, 2, 3):
        await notify(acts, reminder(event, f"day0{day}-reminder"))
    assert len(recorder.sent) == 3


async def test_a_message_missing_a_param_is_refused_for_good(deps) -> None:
    acts = UserNotifications(deps.sessions, RecordingNotifier())
    event = new_event()
    cmd = NotifyUserInput(event_id=event, user_id="u_42", stage="paid", template="paid")
    with pytest.raises(ApplicationError, match="amount_paid") as refused:
        await notify(acts, cmd)
    assert refused.value.type == NOTIFICATION_REFUSED and refused.value.non_retryable
    assert await stored(deps, f"{event}:paid") is None


class Provider:
    """An email/SMS provider that honours Idempotency-Key, as the HttpNotifier expects."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.delivered: dict[str, str] = {}  # idempotency key -> message id
        self.app = FastAPI()
        self.app.post("/messages")(self.receive)

    async def receive(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "unauthorized"}, 401)
        key = request.headers["idempotency-key"]
        self.requests.append({"key": key, **await request.json()})
        if key not in self.delivered:
            self.delivered[key] = f"msg_{len(self.delivered) + 1}"
        return JSONResponse({"id": self.delivered[key]}, 202)


@pytest.fixture
async def provider() -> AsyncIterator[tuple[Provider, str]]:
    fake = Provider()
    async with serving(fake.app) as url:
        yield fake, url + "/messages"


async def test_the_http_notifier_sends_the_rendered_message_with_its_key(deps, provider) -> None:
    fake, url = provider
    acts = UserNotifications(deps.sessions, HttpNotifier(deps.http, url=url, token=TOKEN))
    event = new_event()
    await notify(acts, reminder(event))
    (request,) = fake.requests
    assert request["key"] == f"{event}:day01-reminder"
    assert (request["user_id"], request["channel"], request["template"]) == (
        "u_42",
        "email",
        "reminder",
    )
    assert "PS0123456789ABCD" in request["text"] and request["params"] == REMINDER
    row = await stored(deps, f"{event}:day01-reminder")
    assert row is not None and row.provider_id == "msg_1"


async def test_a_send_whose_answer_was_lost_is_delivered_once(deps, provider) -> None:
    """The unavoidable window: the provider took the message, we never learned it. The retry
    sends again and the provider's idempotency key drops the repeat."""
    fake, url = provider
    lost = {"left": 1}

    async def lose_one_answer(response: httpx.Response) -> None:
        if lost["left"]:
            lost["left"] -= 1
            raise httpx.ReadError("connection reset", request=response.request)

    event = new_event()
    async with httpx.AsyncClient(event_hooks={"response": [lose_one_answer]}) as http:
        acts = UserNotifications(deps.sessions, HttpNotifier(http, url=url, token=TOKEN))
        with pytest.raises(httpx.ReadError):
            await notify(acts, reminder(event))
        row = await stored(deps, f"{event}:day01-reminder")
        assert row is not None and row.sent_at is None  # not marked: the retry must send
        assert await notify(acts, reminder(event)) is True
    assert [r["key"] for r in fake.requests] == [f"{event}:day01-reminder"] * 2
    assert len(fake.delivered) == 1
    row = await stored(deps, f"{event}:day01-reminder")
    assert row is not None and row.sent_at is not None and row.provider_id == "msg_1"


async def test_a_provider_refusal_is_not_retried(deps, provider) -> None:
    _, url = provider
    acts = UserNotifications(deps.sessions, HttpNotifier(deps.http, url=url, token="wrong"))
    with pytest.raises(ApplicationError) as refused:
        await notify(acts, reminder(new_event()))
    assert refused.value.type == NOTIFICATION_REFUSED and refused.value.non_retryable
    assert "wrong" not in str(refused.value)
