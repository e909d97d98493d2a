"""Errors that name the bad value and what is allowed (the CLI prints them as one line)."""

from __future__ import annotations

MAX_SHOWN = 200  # characters of a bad value an error message shows


def shorten(value: object) -> str:
    """``repr(value)``, cut to about ``MAX_SHOWN`` characters (a huge value is not echoed whole)."""
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    return f"{text[: MAX_SHOWN - 30]}... ({len(text):,} characters)"


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
        super().__init__(f"{name} = {shorten(value)} is not allowed: {allowed}")


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


class WorkLimitError(PowerGameError):
    """The work a command would do is estimated above a limit (``powergame.work``)."""

    def __init__(self, message: str) -> None:
        self.init_args = (message,)
        super().__init__(message)


class MatchTimeLimitError(PowerGameError):
    """A match ran past the per-match time limit (``powergame.time_limit``)."""

    def __init__(self, player_a: str, player_b: str, seed: int, seconds: float) -> None:
        self.player_a = player_a
        self.player_b = player_b
        self.seed = seed
        self.seconds = seconds
        self.init_args = (player_a, player_b, seed, seconds)
        super().__init__(
            f"the match {player_a!r} (A) vs {player_b!r} (B), seed {seed}, ran past the per-match time "
            f"limit of {seconds:g} s (a strategy that does not return?); raise the limit with "
            "--match-timeout SECONDS (0: no limit)"
        )


class WorkerLostError(PowerGameError):
    """A worker process of a run ended before returning its chunk (killed, e.g. by the
    system when memory ran out). The chunks stored so far are recorded, so a run with an
    output folder continues with ``resume``."""

    def __init__(self) -> None:
        self.init_args = ()
        super().__init__("a worker process ended before finishing its chunk (killed? out of memory?)")
