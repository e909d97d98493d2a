"""Errors survive pickling (a worker process's error reaches the parent intact)."""

import pickle

import pytest

from powergame.errors import ParameterError, PluginError, PowerGameError, StrategyError, UnknownStrategyError

ERRORS = [
    ParameterError("noise", 2.0, "must be a probability in [0, 1]"),
    StrategyError("Raiser", 3, "raised ValueError: boom"),
    UnknownStrategyError("Voicee", ["Voice"]),
    PluginError("mine.py", "failed to import"),
    PowerGameError("plain"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_errors_pickle_with_their_message_and_fields(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
