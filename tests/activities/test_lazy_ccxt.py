"""ccxt's stand-in packages (activities/exchange/lazy_ccxt.py): the same names as ccxt's own
packages, and only the exchanges used are imported. Each check runs in a fresh interpreter,
where nothing has imported ccxt yet."""

from __future__ import annotations

import json

from tests.support.fresh import run_fresh


def fresh_json(code: str) -> dict:
    return json.loads(run_fresh(code))


def test_a_worker_imports_binance_and_no_other_exchange() -> None:
    found = fresh_json(
        """
        import json, sys
        import workers.worker
        from activities.exchange.lazy_ccxt import ccxt
        ccxt.binance({})  # what verification builds
        loaded = sorted(m for m in sys.modules if m.startswith("ccxt"))
        print(json.dumps({"loaded": loaded, "ids": ccxt.exchanges}))
        """
    )
    ids = found["ids"]
    exchanges = {f"ccxt.{i}" for i in ids} | {f"ccxt.async_support.{i}" for i in ids}
    assert sorted(exchanges & set(found["loaded"])) == ["ccxt.async_support.binance"]
    assert len(found["ids"]) > 100  # ccxt's whole list is still known (FX_SOURCE=ccxt:<id>)


def test_the_stand_ins_export_what_ccxt_exports() -> None:
    """ccxt's own __init__ run afterwards, into a namespace of its own, finds every name it
    exports to be the very object the stand-in gives (and imports every exchange doing so)."""
    found = fresh_json(
        """
        import json, sys
        from pathlib import Path
        from activities.exchange.lazy_ccxt import ccxt as stand_in
        differ, count = [], 0
        for package in ("ccxt", "ccxt.async_support"):
            module = sys.modules[package]
            real = {"__name__": package, "__package__": package, "__path__": module.__path__}
            source = Path(module.__file__)
            exec(compile(source.read_text(), str(source), "exec"), real)
            for name in real["__all__"] + ["__version__", "exchanges"]:
                count += 1
                if getattr(module, name) is not real[name] and getattr(module, name) != real[name]:
                    differ.append(f"{package}.{name}")
        same = sys.modules["ccxt.async_support"] is stand_in
        print(json.dumps({"differ": differ, "count": count, "same": same}))
        """
    )
    assert found["same"]
    assert found["count"] > 2 * 150  # the errors, the constants and both packages' exchanges
    assert found["differ"] == []


def test_a_name_ccxt_lacks_is_an_attribute_error() -> None:
    found = fresh_json(
        """
        import json
        from activities.exchange.lazy_ccxt import ccxt
        missing = []
        for name in ("no_such_exchange", "__wrapped__", "__all__"):
            try:
                getattr(ccxt, name)
            except AttributeError:
                missing.append(name)
        print(json.dumps({"missing": missing}))
        """
    )
    assert found["missing"] == ["no_such_exchange", "__wrapped__", "__all__"]


def test_ccxt_imported_first_is_kept() -> None:
    found = fresh_json(
        """
        import json
        import ccxt.async_support as real
        from activities.exchange.lazy_ccxt import ccxt
        print(json.dumps({"same": ccxt is real, "okx": hasattr(real, "okx")}))
        """
    )
    assert found == {"same": True, "okx": True}
