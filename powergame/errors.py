"""Errors that name the bad value and what is allowed (the CLI prints them as one line)."""

from __future__ import annotations


class PowerGameError(Exception):
    """Base class of every error powergame raises on purpose.

    Subclasses keep their constructor's arguments in ``init_args`` so that an error raised
    in a worker process pickles back to the parent intact."""

    init_args: tuple[object, ...] = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (type(self), self.init_args or self.args)


class ParameterError(PowerGameError, ValueError):
    """A model or command parameter outside its allowed range."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        self.init_args = (name, value, allowed)
        super().__init__(f"{name} = {value!r} is not allowed: {allowed}")


class StrategyError(PowerGameError):
    """A strategy misbehaved during a match (raised, or returned a bad value)."""

    def __init__(self, strategy: str, round_number: int, what: str) -> None:
        self.strategy = strategy
        self.round_number = round_number
        self.what = what
        self.init_args = (strategy, round_number, what)
        super().__init__(f"strategy {strategy!r} in round {round_number}: {what}")


class UnknownStrategyError(PowerGameError, LookupError):
    """No registered strategy has this name."""

    def __init__(
        self, name: str, suggestions: list[str], listing: str = "`powergame strategies` lists them all"
    ) -> None:
        self.name = name
        self.suggestions = suggestions
        self.init_args = (name, suggestions, listing)
        self.hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown strategy {name!r}{self.hint} ({listing})")


class PluginError(PowerGameError):
    """A plugin could not be loaded or registers something invalid."""

    def __init__(self, plugin: str, reason: str) -> None:
        self.plugin = plugin
        self.reason = reason
        self.init_args = (plugin, reason)
        super().__init__(f"plugin {plugin!r}: {reason}")
