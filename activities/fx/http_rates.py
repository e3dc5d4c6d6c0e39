"""FX from any HTTP rate service that returns JSON (FX_SOURCE=http:<url>).

The URL and both JSON paths may name `{base}` and `{quote}`, e.g.
`http:https://open.er-api.com/v6/latest/{base}` with rate path `rates.{quote}` and
timestamp path `time_last_update_unix`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from activities.fx.source import BadRate, LiveRates, Observation, UnknownRate, utc_now


class HttpRates(LiveRates):
    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        *,
        rate_path: str,
        timestamp_path: str | None = None,
        max_age: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(max_age=max_age, clock=clock)
        self._http = http
        self._url = url
        self._rate_path = rate_path
        self._timestamp_path = timestamp_path

    async def _read(self, base: str, quote: str) -> Decimal:
        names = {"base": base, "quote": quote}
        response = await self._http.get(self._url.format(**names))
        if response.status_code == 404:
            raise UnknownRate(f"the FX service has no rate {base}->{quote}")
        response.raise_for_status()  # anything else may pass: Temporal retries
        # Decimal straight from the JSON text: a float would already have lost digits.
        document = json.loads(response.content, parse_float=Decimal)
        pair = f"{base}/{quote}"
        raw_rate = dig(document, self._rate_path.format(**names))
        if raw_rate is None:
            raise UnknownRate(f"no {self._rate_path.format(**names)!r} in the FX response")
        observed = None
        if self._timestamp_path is not None:
            observed = _moment(dig(document, self._timestamp_path.format(**names)))
        observation = Observation(_decimal(raw_rate), observed)
        return self._checked(observation, pair)


def dig(document: Any, path: str) -> Any:
    """document["a"]["b"][0] for "a.b.0"; None where the path leads nowhere."""
    node = document
    for step in path.split("."):
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return None
    return node


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise BadRate(f"FX rate {value!r} is not a number")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise BadRate(f"FX rate {value!r} is not a number") from None


def _moment(value: Any) -> datetime:
    """Unix seconds (or milliseconds, as many APIs send) or an RFC 3339 string."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        seconds = float(value) / 1000 if value > 10**11 else float(value)
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise BadRate(f"FX timestamp {value!r} is neither unix time nor RFC 3339")
