"""`profitshare token create --expires-in`: a duration it cannot use is the command's own
usage error (exit 2), before anything is written."""

import pytest
from typer.testing import CliRunner

from cli.main import app


@pytest.mark.parametrize("expires_in", ["4000000d", "99999999999999999999d", "0d", "x", "12"])
def test_an_unusable_expiry_is_refused_with_exit_2_not_a_traceback(expires_in: str) -> None:
    """4000000d ended past the year 9999: an uncaught OverflowError (exit 1)."""
    result = CliRunner().invoke(
        app, ["token", "create", "--role", "ops", "--expires-in", expires_in]
    )
    assert result.exit_code == 2, (result.exit_code, repr(result.exception))
    assert "--expires-in" in result.output
