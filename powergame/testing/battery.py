"""Run every property a strategy's classifier claims and collect the verdicts."""

from __future__ import annotations

from dataclasses import dataclass

from powergame.testing.harness import Factory
from powergame.testing.profiles import QUICK, Profile
from powergame.testing.properties import PROPERTIES, classifier_of

PASS, FAIL, NOT_CLAIMED = "pass", "FAIL", "-"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one property for one strategy; ``message`` holds the counterexample."""

    strategy: str
    property: str
    status: str
    message: str = ""


def strategy_name(factory: Factory) -> str:
    """The name a fresh instance reports."""
    try:
        return str(factory().name)
    except Exception as exc:
        return f"{getattr(factory, '__name__', factory)!s} (cannot be created: {type(exc).__name__})"


def run_battery(factory: Factory, profile: Profile = QUICK) -> list[Verdict]:
    """One Verdict per property: pass, FAIL (with the counterexample) or - (not claimed)."""
    name = strategy_name(factory)
    try:
        classifier = classifier_of(factory)
    except Exception as exc:
        message = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
        return [Verdict(name, "classifier", FAIL, message)]
    verdicts = []
    for prop in PROPERTIES:
        if not prop.applies(classifier):
            verdicts.append(Verdict(name, prop.name, NOT_CLAIMED))
            continue
        try:
            prop.check(factory, profile)
        except AssertionError as exc:
            verdicts.append(Verdict(name, prop.name, FAIL, str(exc)))
        except Exception as exc:  # e.g. hypothesis reporting a flaky (non-reproducible) failure
            verdicts.append(Verdict(name, prop.name, FAIL, f"{type(exc).__name__}: {exc}"))
        else:
            verdicts.append(Verdict(name, prop.name, PASS))
    return verdicts


def check_all(factory: Factory, thorough: bool = False, profile: Profile | None = None) -> None:
    """Run the whole battery on one strategy; raise an AssertionError listing every failed
    property with its counterexample."""
    from powergame.testing.profiles import profile_for

    verdicts = run_battery(factory, profile or profile_for(thorough))
    failures = [v for v in verdicts if v.status == FAIL]
    if failures:
        blocks = [f"[{v.property}] {v.message}" for v in failures]
        raise AssertionError(
            f"{failures[0].strategy!r} fails {len(failures)} propert{'y' if len(failures) == 1 else 'ies'}:\n\n"
            + "\n\n".join(blocks)
        )
