"""Decimal places of each currency's minor unit, as data.

Fiat: ISO 4217 (the current list, including fund codes). Crypto: what exchanges
commonly quote; the exchange's own figure (ccxt's currency precision) wins when the
verification passes it along, and a billing override (policy) wins over both, e.g.
USDT billed to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

_ISO_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_ISO_3 = "BHD IQD JOD KWD LYD OMR TND"
_ISO_4 = "CLF UYW"
_ISO_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN "
    "ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES "
    "KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK "
    "MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR "
    "SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD "
    "TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
)

ISO_4217: Final[Mapping[str, int]] = MappingProxyType(
    {
        code: places
        for places, codes in ((0, _ISO_0), (2, _ISO_2), (3, _ISO_3), (4, _ISO_4))
        for code in codes.split()
    }
)

# Binance's withdrawal precision for the assets sessions are commonly quoted or paid in.
CRYPTO: Final[Mapping[str, int]] = MappingProxyType(
    {
        "BTC": 8,
        "ETH": 8,
        "BNB": 8,
        "SOL": 8,
        "XRP": 6,
        "USDT": 8,
        "USDC": 8,
        "FDUSD": 8,
        "BUSD": 8,
        "DAI": 8,
        "TUSD": 8,
    }
)

# A currency in neither table: a crypto asset the exchange did not describe. Eight places
# never rounds a small crypto share away (an unlisted coin once got 2 and billed nothing).
UNKNOWN_PLACES: Final = 8

# Stablecoins billed to the cent unless the policy says otherwise (PROFITSHARE_POLICY_*).
BILLING_OVERRIDES: Final[Mapping[str, int]] = MappingProxyType(
    {"USDT": 2, "USDC": 2, "FDUSD": 2, "BUSD": 2, "DAI": 2, "TUSD": 2}
)
