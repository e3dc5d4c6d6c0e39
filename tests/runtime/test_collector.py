"""Server processes take what they start with out of the collector's full passes
(runtime/collector.py). Each check runs in a process of its own: freezing is for good."""

from __future__ import annotations

import os

from tests.cli.test_weak_secrets import GOOD
from tests.support.fresh import run_fresh


def test_the_api_freezes_what_it_started_with_before_it_serves(tmp_path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROFITSHARE_")}
    values = {**GOOD, "DATA_DIR": str(tmp_path)}
    frozen = run_fresh(
        """
        import gc, sys, uvicorn
        uvicorn.run = lambda app, **options: print("frozen", gc.get_freeze_count())
        from cli.main import app
        try:
            app(["api"])
        except SystemExit as done:
            assert not done.code, done.code
        """,
        env=clean | {f"PROFITSHARE_{k}": v for k, v in values.items()},
    )
    assert frozen.startswith("frozen ")
    assert int(frozen.split()[1]) > 100_000  # the imports and the app: all of it


def test_garbage_made_while_starting_is_collected_not_kept() -> None:
    found = run_fresh(
        """
        import gc, weakref
        from runtime.collector import freeze_startup

        class Node:
            pass

        gc.disable()  # no pass of its own before freeze_startup's
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
        dead = weakref.ref(a)
        kept = Node()
        del a, b
        freeze_startup()
        print(dead() is None, gc.get_freeze_count() > 0, kept is not None)
        """
    )
    assert found == "True True True"
