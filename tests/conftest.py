"""Shared test settings: hypothesis profiles (quick by default, `HYPOTHESIS_PROFILE=thorough` for more)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "quick", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


def pytest_addoption(parser):
    parser.addoption(
        "--slow", action="store_true", help="also run the tests marked slow (long reproductions)"
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long checks, run with --slow or POWERGAME_SLOW=1")


def pytest_collection_modifyitems(config, items):
    import pytest

    if config.getoption("--slow") or os.environ.get("POWERGAME_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
