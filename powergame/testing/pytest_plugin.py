"""pytest plugin: the ``powergame_battery`` fixture runs the property battery on a strategy.

Loaded by every pytest run in an environment where powergame is installed, so it imports
nothing heavy until a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def pytest_addoption(parser: Any) -> None:
    parser.getgroup("powergame").addoption(
        "--powergame-thorough",
        action="store_true",
        default=False,
        help="powergame_battery: run the thorough profile (more examples, longer histories).",
    )


@pytest.fixture
def powergame_battery(request: Any) -> Callable[..., None]:
    """``powergame_battery(MyStrategy)`` checks every claim of MyStrategy's classifier and
    fails the test with the counterexamples; ``thorough=True`` (or ``--powergame-thorough``)
    searches harder."""
    default_thorough = bool(request.config.getoption("--powergame-thorough", default=False))

    def run(factory: Callable[[], Any], thorough: bool | None = None) -> None:
        from powergame.testing.battery import check_all

        check_all(factory, thorough=default_thorough if thorough is None else thorough)

    return run
