"""A workflow's history as Temporal stores it: fetched without our codec, payloads found in it."""

from __future__ import annotations

import json
from collections.abc import Iterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.history.v1 import History
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client

LOCAL_ACTIVITY_MARKER = "core_local_activity"


async def raw_history(client: Client, workflow_id: str) -> History:
    """Straight from the service: no data converter, no codec, bytes as the server keeps them."""
    history, token = History(), b""
    while True:
        page = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        history.events.extend(page.history.events)
        token = page.next_page_token
        if not token:
            return history


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere in `message`: inputs, results, memos, headers, summaries, failures."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type != FieldDescriptor.TYPE_MESSAGE:
                continue
            children = list(value.values())
        elif field.is_repeated:
            children = list(value)
        else:
            children = [value]
        for child in children:
            yield from payloads_in(child)


async def signals_sent(client: Client, workflow_id: str, name: str) -> int:
    """How many `name` signals the workflow has been sent, handled or not: its history records
    each one when it arrives, so a count of 0 proves none got through (no waiting needed)."""
    history = await raw_history(client, workflow_id)
    return sum(
        1
        for event in history.events
        if event.HasField("workflow_execution_signaled_event_attributes")
        and event.workflow_execution_signaled_event_attributes.signal_name == name
    )


async def updates_accepted(client: Client, workflow_id: str, name: str) -> int:
    """How many `name` updates the workflow accepted: each leaves an event when accepted."""
    history = await raw_history(client, workflow_id)
    return sum(
        1
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
        and event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == name
    )


def activity_types(history: History) -> list[str]:
    """The activity types a workflow ran, in order: ordinary ones as scheduled, local ones
    (patch lean) by the marker each leaves (its `data` is the SDK's JSON, not our payload)."""
    types = []
    for event in history.events:
        if event.HasField("activity_task_scheduled_event_attributes"):
            types.append(event.activity_task_scheduled_event_attributes.activity_type.name)
        elif event.HasField("marker_recorded_event_attributes"):
            marker = event.marker_recorded_event_attributes
            if marker.marker_name == LOCAL_ACTIVITY_MARKER:
                types.append(json.loads(marker.details["data"].payloads[0].data)["activity_type"])
    return types
