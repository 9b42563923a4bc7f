"""Fixtures of the command-line tests."""

from collections.abc import Iterator

import pytest

from app.config import get_settings


@pytest.fixture
def settings_cache() -> Iterator[None]:
    """get_settings() is cached per process: start and end every CLI test without it."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def wdv_database(database_url: str, monkeypatch: pytest.MonkeyPatch, settings_cache: None) -> str:
    """Point the command line at the test database (the bundled reference data is loaded)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url
