"""Chaos tests share the API tests' set-up: the API in-process and a worker on the
time-skipping server (tests that kill a worker start their own, in a process)."""

from tests.api.conftest import api, api_settings, ip_lists, worker  # noqa: F401 - fixtures
