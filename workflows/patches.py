"""Every change to the share workflow since the v1 histories, each behind its own patch id.

A share reads its patches once, at the start of its run: a share started before a deploy keeps
the behaviour it started with to its end (its history has no marker, `patched` is False), and a
share started after it walks the new code from the first step (`patched` records the marker).
Reading them in one place keeps each decision consistent for the whole run, and gives the list
`docs/deploying-workflow-changes.md` retires a patch from.

ShareWorkflowV3 (workflows/share_v3.py) has every change but V4's on from its first step,
`lean` included, and records no marker for any (`Patches.current()`): the type is the
version. ShareWorkflowV4 (workflows/share_v4.py), the type new shares start as, adds V4_ONLY
the same way (`Patches.v4()`). "ShareWorkflow" stays registered for the shares started before
V3, which read their patches as they always did and never take `lean`.

Changes made after V4 shipped (LATER) cannot be on by type: V3 and V4 shares already running
must keep their old behaviour on replay. Every type reads them with `workflow.patched`, after
its other patches, first thing in the run: a share started before the deploy has no marker
and keeps the old code to its end, one started after records the marker and takes the change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from temporalio import workflow

PREFIX = "workflows-"


@dataclass(frozen=True)
class Patches:
    # Messages already in the inbox are handled before a stage that fell due is applied.
    drain_before_stage: bool = False
    # A stage's notice and standing push go out whether or not this attempt moved the share.
    stage_effects_always: bool = False
    # Disputes, waivers and reviews that arrive before the share is recorded wait for it.
    queue_until_recorded: bool = False
    # Messages reaching a closed share are credited (payments) or answered, not dropped.
    answer_after_close: bool = False
    # A payment made before a stage's time undoes that stage (level, trust), audited.
    undo_late_stages: bool = False
    # FX is looked up by its own activity before RECORD_SHARE (the rate lands in history).
    fx_before_record: bool = False
    # Ledger work that gives up marks the share stalled, alerts ops, waits for a retry.
    stall_and_alert: bool = False
    # Cancellation by ops closes the share and restores the user's standing, audited.
    lifecycle: bool = False
    # A share handed to collections completes its workflow (it stays payable: a later
    # payment is applied by the payment reconciler, audited).
    collections_completes: bool = False
    # Issue 20: the short ledger writes run as local activities (activities/contracts.py
    # `local`) and status-only steps ride on the write beside them. ShareWorkflowV3 only.
    lean: bool = False
    # ShareWorkflowV3: the older changes read where they happen (`at`) are on, unmarked.
    unmarked: bool = False
    # ShareWorkflowV3: a share cancelled by ops still answers what is in its inbox (a payment
    # already accepted is credited, audited) before it completes.
    settle_after_cancel: bool = False
    # ShareWorkflowV3: no share after a review carries the loss the admin decided, not the
    # verification's figure.
    decided_loss: bool = False
    # ShareWorkflowV3: a payment reaching a share handed to collections while its workflow
    # settles is applied to the debt (as the payment reconciler applies it), not credited.
    pay_debt_while_closing: bool = False
    # ShareWorkflowV3: ops cancelling the share while a ledger write runs cancels the share
    # (it is closed as cancelled or rejected), not a stall waiting for an admin's retry.
    cancel_is_not_a_stall: bool = False
    # ShareWorkflowV4 only: the verification activity quotes the FX rate too (VERIFY_AND_QUOTE;
    # a share that went through review is quoted by QUOTE_FX when it is recorded, as before).
    verify_quotes_fx: bool = False
    # ShareWorkflowV4 only: the risk decision is published with the other search attributes,
    # one upsert per workflow task instead of two on the first.
    risk_in_publish: bool = False
    # LATER, every type: a share's payments are judged when they completed it, the latest
    # paid_at among those that count toward it, not at the time of the one that arrived
    # last (domain/book.py `completed_at`): the discount, "paid on time" and the stages undone.
    settle_at_last_payment: bool = False
    # LATER, every type: a waiver or write-off reaching a share handed to collections while its
    # workflow settles closes it as CollectionsClose would (the ledger judges it), and a
    # refusal is kept under the message's documented key (`waiver`, `dispute`, ...).
    close_while_settling: bool = False

    @classmethod
    def read(cls) -> Patches:
        """Call once, at the start of the run (see the module docstring). "ShareWorkflow"
        reads the patches it always read, each with its marker, and never `lean`."""
        return cls(
            **{f.name: workflow.patched(patch_id(f.name)) for f in fields(cls) if f.name in MARKED},
            **_later(),
        )

    @classmethod
    def current(cls) -> Patches:
        """ShareWorkflowV3: every change it shipped with on but V4's, no marker recorded; the
        LATER ones marked."""
        shipped = {f.name: f.name not in V4_ONLY for f in fields(cls) if f.name not in LATER}
        return cls(**shipped, **_later())

    @classmethod
    def v4(cls) -> Patches:
        """ShareWorkflowV4: every change it shipped with on, no marker recorded; the LATER
        ones marked."""
        return cls(**{f.name: True for f in fields(cls) if f.name not in LATER}, **_later())

    def at(self, patch: str) -> bool:
        """A change whose marker is read where it happens (`brief-day0-notice`, `money-...`),
        kept there for the "ShareWorkflow" histories that recorded it at that point."""
        return self.unmarked or workflow.patched(patch)


# The patches "ShareWorkflow" reads at the start of its run, in this order (its histories').
MARKED = (
    "drain_before_stage",
    "stage_effects_always",
    "queue_until_recorded",
    "answer_after_close",
    "undo_late_stages",
    "fx_before_record",
    "stall_and_alert",
    "lifecycle",
    "collections_completes",
)


# What ShareWorkflowV4 changed: off in ShareWorkflowV3, whose shares run on unchanged.
V4_ONLY = frozenset({"verify_quotes_fx", "risk_in_publish"})

# Changes since V4 shipped, read with their marker by every type, in this order, after the
# others: shares of any type already running keep their old behaviour (no marker).
LATER = ("settle_at_last_payment", "close_while_settling")


def _later() -> dict[str, bool]:
    return {name: workflow.patched(patch_id(name)) for name in LATER}


def patch_id(name: str) -> str:
    """`workflows-drain-before-stage`: the id in the history's marker."""
    return PREFIX + name.replace("_", "-")
