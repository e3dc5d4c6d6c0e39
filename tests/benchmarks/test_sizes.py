"""The bench's sets of sizes (benchmarks/run.Sizes) and how the CLI picks one."""

from __future__ import annotations

import dataclasses

from typer.testing import CliRunner

from benchmarks.run import Sizes
from cli.main import app


def test_burst_focus_keeps_what_the_burst_ratio_compares_at_full_size():
    full, focus = Sizes(), Sizes.burst_focus()
    # The ratio is the burst's drain over steady intake: both as the acceptance run has them.
    assert (focus.events, focus.burst_events) == (full.events, full.burst_events)
    for field in dataclasses.fields(Sizes):
        assert getattr(focus, field.name) <= getattr(full, field.name), field.name
    # The scale phase counts the burst's open shares: it only tops them up.
    assert focus.burst_events < focus.open_shares < full.open_shares


def test_quick_and_burst_focus_together_are_refused():
    result = CliRunner().invoke(app, ["bench", "--quick", "--burst-focus"])
    assert result.exit_code != 0
    assert "--burst-focus" in result.output
