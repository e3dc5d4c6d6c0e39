"""The offline email-domain lists, loaded like the IP lists (services/risk/intel.py).

IP_INTEL_DIR/disposable.txt and suspicious.txt, written by the scheduled refresh, win over
the lists shipped in email_lists/; a file is read again when it changes (checked every
RECHECK_SECONDS), so a refresh reaches running processes without a restart.
"""

from __future__ import annotations

from pathlib import Path

from domain.risk.email import EMAIL_KINDS, EmailKind, EmailLists
from domain.risk.ipintel import data_as_of, parse_list
from services.risk.reloading import ReloadingLists

SHIPPED = Path(__file__).parent / "email_lists"


def email_list_path(directory: Path, kind: EmailKind) -> Path:
    return directory / f"{kind}.txt"


def _chosen(directory: Path) -> dict[EmailKind, Path]:
    """Per kind, the refreshed list if there is one, else the shipped one."""
    chosen = {}
    for kind in EMAIL_KINDS:
        fresh = email_list_path(directory, kind)
        chosen[kind] = fresh if fresh.exists() else email_list_path(SHIPPED, kind)
    return chosen


def load(directory: Path) -> EmailLists:
    """The lists; as old as the oldest list read (its `data_as_of` header)."""
    entries: dict[EmailKind, list[str]] = {}
    dates = []
    for kind, path in _chosen(directory).items():
        text = path.read_text() if path.exists() else ""
        entries[kind] = parse_list(text)
        if (as_of := data_as_of(text)) is not None:
            dates.append(as_of)
    return EmailLists.from_entries(entries, min(dates, default=None))


class EmailFiles(ReloadingLists[EmailLists]):
    what = "email lists"

    def stamp(self) -> tuple[tuple[str, float], ...]:
        chosen = _chosen(self.directory).values()
        return tuple((str(p), p.stat().st_mtime if p.exists() else 0.0) for p in chosen)

    def read(self) -> EmailLists:
        return load(self.directory)

    def fallback(self) -> EmailLists:
        return load(SHIPPED)
