"""Loads the policy (domain/policy.py) from configuration, once, validated.

Either a JSON file named by PROFITSHARE_POLICY_FILE (`{"share": {...}, "trust": {...},
"verification": {...}}`)
or single figures as PROFITSHARE_POLICY_<SECTION>_<FIELD>, e.g.
PROFITSHARE_POLICY_SHARE_RATE=0.12, PROFITSHARE_POLICY_SHARE_EARLY_WINDOW=P2D,
PROFITSHARE_POLICY_TRUST_START=60, PROFITSHARE_POLICY_VERIFICATION_TOLERANCE=0.02; a
variable wins over the file. Invalid values stop the process at start-up with pydantic's
message instead of billing on a wrong figure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from domain.policy import Policy

PREFIX = "PROFITSHARE_POLICY_"
FILE = f"{PREFIX}FILE"
_SECTIONS = {"SHARE": "share", "TRUST": "trust", "VERIFICATION": "verification"}


def load_policy(environ: Mapping[str, str] | None = None) -> Policy:
    """The policy from the environment (and the policy file it names).

    Raises:
        pydantic.ValidationError: a figure is missing its sense (a rate above 1, ...).
        ValueError: a variable names no policy field.
    """
    env = os.environ if environ is None else environ
    document: dict[str, dict[str, object]] = {section: {} for section in _SECTIONS.values()}
    if path := env.get(FILE):
        loaded = json.loads(Path(path).read_text())
        for section in document:
            document[section].update(loaded.get(section, {}))
    for name, value in env.items():
        if not name.startswith(PREFIX) or name == FILE:
            continue
        section, _, field = name.removeprefix(PREFIX).partition("_")
        if section not in _SECTIONS or not field:
            sections = "/".join(f"{PREFIX}{section}_…" for section in _SECTIONS)
            raise ValueError(f"{name} names no policy field ({sections})")
        key = field.lower()
        document[_SECTIONS[section]][key] = json.loads(value) if key == "billing_places" else value
    return Policy.model_validate(document)
