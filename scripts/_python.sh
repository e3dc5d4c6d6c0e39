# Sourced by scripts/_venv.sh and scripts/lock: the first Python 3.11+ on PATH (or $PYTHON).
find_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "profitshare needs Python 3.11 or newer on PATH" >&2
    return 1
}
