"""Without a data key the processes that store personal data do not start, and say what to set."""

import logging

import pytest

from app.config import Settings
from app.main import create_app
from tests.support.cli import one_line_error, wdv


def test_the_api_refuses_to_start_without_a_data_key(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=database_url, data_keys=None, data_keys_file=None, data_keys_sandbox=False
    )

    with caplog.at_level(logging.CRITICAL, logger="wdv.startup"), pytest.raises(SystemExit) as stopped:
        create_app(settings)

    assert stopped.value.code == 1
    assert [record.getMessage() for record in caplog.records] == [
        "cannot start: DATA_KEYS is not set: personal data is stored encrypted under it. Make a key with "
        "`wdv keys generate` and set DATA_KEYS=<id>:<key> (or DATA_KEYS_FILE=<file>); only a sandbox may "
        "use DATA_KEYS_SANDBOX=true instead"
    ]


def test_the_api_refuses_to_start_with_an_unusable_data_key(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.CRITICAL, logger="wdv.startup"), pytest.raises(SystemExit):
        create_app(Settings(database_url=database_url, data_keys="k1:tooshort"))

    assert caplog.records[-1].getMessage() == "cannot start: DATA_KEYS: key 'k1' must be 32 bytes, not 6"


def test_the_worker_refuses_to_start_without_a_data_key(
    wdv_database: str, environment: pytest.MonkeyPatch
) -> None:
    environment.delenv("DATA_KEYS")

    error = one_line_error(wdv("worker", "--once"))

    assert error.startswith("DATA_KEYS is not set: personal data is stored encrypted under it.")
