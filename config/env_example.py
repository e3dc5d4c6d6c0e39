"""The gateway section of deploy/production.env.example, written from the gateway registry.

`python -m config.env_example` rewrites the section between its two marker lines; a test
checks the file matches, so a registered gateway's variables are always documented.
"""

from __future__ import annotations

from pathlib import Path

from domain.webhooks import registry

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "production.env.example"
BEGIN = "# --- payment gateways (only those you use; written by `python -m config.env_example`) ---"
END = "# --- end of payment gateways ---"


def gateway_section() -> str:
    lines = [BEGIN]
    for path in registry.paths():
        for gateway in (g for g in registry.gateways() if g.path == path):
            lines.append(f"# {gateway.title or gateway.name}")
            for setting in gateway.settings:
                why = f"  # {setting.help}" if setting.help else ""
                lines.append(f"# {setting.env}={why}")
        lines.append(f"# PROFITSHARE_{registry_allowlist(path).upper()}=  # CIDRs its callbacks "
                     "come from; unset: any")  # fmt: skip
    lines += [
        "# Behind a load balancer: the CIDRs whose X-Forwarded-For is believed",
        "# PROFITSHARE_TRUSTED_PROXIES=10.0.0.0/8",
        "# PROFITSHARE_RATE_LIMIT_PER_TOKEN=20000/minute",
        "# PROFITSHARE_RATE_LIMIT_PER_IP=20000/minute",
        "# PROFITSHARE_RATE_LIMIT_WEBHOOKS=10000/minute",
        END,
    ]
    return "\n".join(lines)


def registry_allowlist(path: str) -> str:
    return next(g.allowlist_setting for g in registry.gateways() if g.path == path)


def rewritten(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + gateway_section() + text[end:]


if __name__ == "__main__":
    EXAMPLE.write_text(rewritten(EXAMPLE.read_text()))
