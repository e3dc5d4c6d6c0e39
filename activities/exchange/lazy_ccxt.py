"""ccxt's async clients, without importing every exchange ccxt ships.

`import ccxt.async_support` runs ccxt's two package `__init__` files, which import all of
its 104 exchanges twice (the sync and the async classes): 331 modules and about 50 MB of
every process that imports it (the workers, the API, the CLI), and half a second of its
start, for the one or two exchanges a deployment talks to (issue 20: the workers' memory;
upstream, ccxt/ccxt#29573, open). ccxt offers no way around it, so this module puts light
stand-ins for those two packages into `sys.modules` before anything imports them. A
stand-in is the package itself minus its `__init__`: its submodules import as usual, an
exchange's class is imported the first time it is asked for (`ccxt.binance`,
`getattr(ccxt, "kraken")`), and every other name (the errors, `Exchange`, `TICK_SIZE`,
`exchanges`) is what ccxt's own `__init__` exports, taken from the modules it takes it from.

Everything that uses ccxt imports it from here: `from activities.exchange.lazy_ccxt import
ccxt`. A process that imported the real packages first (a test, a REPL) keeps them.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING

# Where ccxt's `__init__` files take the names they export (besides the exchanges) from.
_COMMON = ("ccxt.base.errors", "ccxt.base.decimal_to_precision", "ccxt.base.precise")
_EXPORTS = {
    "ccxt": ("ccxt.base.exchange", "ccxt.base.order_router", *_COMMON),
    "ccxt.async_support": ("ccxt.async_support.base.exchange", *_COMMON),
}


def exchange_ids(package_dir: Path) -> list[str]:
    """The `exchanges` list of a ccxt package's `__init__`, read without running it."""
    tree = ast.parse((package_dir / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "exchanges" for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise ImportError(f"no exchanges list in {package_dir / '__init__.py'}")


class _StandIn(types.ModuleType):
    """A ccxt package without its `__init__`: exchanges and exported names on first use."""

    def __init__(self, name: str, package_dir: Path) -> None:
        super().__init__(name, f"{name}, its exchanges imported on first use")
        self.__path__ = [str(package_dir)]
        self.__package__ = name
        self.__file__ = str(package_dir / "__init__.py")
        self.exchanges = exchange_ids(package_dir)

    def __setattr__(self, attribute: str, value: object) -> None:
        # Importing an exchange's module binds the module to its package, as for any package;
        # ccxt's own `__init__` then binds the name to the class, and so does this.
        if isinstance(value, types.ModuleType) and attribute in self.__dict__.get("exchanges", ()):
            value = getattr(value, attribute)
        super().__setattr__(attribute, value)

    def __getattr__(self, attribute: str) -> object:
        """Only called for a name not yet set; each found name is set for the next time."""
        if attribute.startswith("__") and attribute != "__version__":
            # What introspection asks of any module (__wrapped__, __all__, ...): not ccxt's.
            raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}")
        if attribute in self.exchanges:
            setattr(self, attribute, importlib.import_module(f"{self.__name__}.{attribute}"))
            return self.__dict__[attribute]  # the class, set by __setattr__
        for source in _EXPORTS[self.__name__]:
            found = getattr(importlib.import_module(source), attribute, None)
            if found is not None:
                setattr(self, attribute, found)
                return found
        raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}")


def _async_support() -> types.ModuleType:
    if "ccxt" not in sys.modules:
        spec = importlib.util.find_spec("ccxt")
        if spec is None or spec.origin is None:
            raise ImportError("ccxt is not installed")
        root = Path(spec.origin).parent
        package = sys.modules["ccxt"] = _StandIn("ccxt", root)
        if "ccxt.async_support" not in sys.modules:
            async_support = _StandIn("ccxt.async_support", root / "async_support")
            sys.modules["ccxt.async_support"] = package.async_support = async_support
    return importlib.import_module("ccxt.async_support")


if TYPE_CHECKING:
    import ccxt.async_support as ccxt
else:
    ccxt = _async_support()
