"""FX rates fixed when a share is recorded: the `FxSource` protocol and its sources.

`activities.fx.factory.fx_source` picks one from the FX_SOURCE setting; the ccxt and HTTP
sources are imported from their own modules so this package stays light.
"""

from activities.fx.fixed import DEV_RATES, FixedFxRates
from activities.fx.source import BadRate, FxSource, UnknownRate

__all__ = ["DEV_RATES", "BadRate", "FixedFxRates", "FxSource", "UnknownRate"]
