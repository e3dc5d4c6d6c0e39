"""Review finding: `profitshare token create --expires-in` past year 9999 is a traceback."""

from typer.testing import CliRunner

from cli.main import app


def test_a_huge_expiry_is_refused_with_exit_2_not_a_traceback():
    result = CliRunner().invoke(
        app, ["token", "create", "--role", "ops", "--expires-in", "4000000d"]
    )
    # Seen: exit 1 with an uncaught OverflowError('date value out of range'), before any
    # database is touched; "0d" or "x" get the command's own message and exit 2.
    assert result.exit_code == 2, (result.exit_code, repr(result.exception))
