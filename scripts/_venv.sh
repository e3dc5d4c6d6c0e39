# Sourced by scripts/dev, scripts/test and scripts/bench: makes .venv from nothing but
# Python 3.11+ and installs the project into it (versions pinned by constraints.txt); reinstalls
# only when pyproject.toml or constraints.txt changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"

source "$ROOT/scripts/_python.sh"

if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python)" -m venv "$VENV"
fi
STAMP="$VENV/.installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ] ||
    [ "$ROOT/constraints.txt" -nt "$STAMP" ]; then
    echo "installing profitshare into .venv ..." >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    # The versions in constraints.txt (./scripts/lock), so every checkout runs the same code.
    "$VENV/bin/python" -m pip install --quiet -c "$ROOT/constraints.txt" \
        -e "$ROOT${EXTRAS:+[$EXTRAS]}" >&2
    touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
