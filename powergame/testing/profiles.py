"""How hard the battery searches: a quick default and a thorough profile."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, Verbosity, settings


@dataclass(frozen=True)
class Profile:
    """``max_examples`` histories per property, scripts of up to ``max_rounds`` rounds;
    the withholding claim is tried over ``withholding_rounds`` rounds with
    ``withholding_seeds`` seeds (stochastic strategies only)."""

    name: str
    max_examples: int
    max_rounds: int
    withholding_rounds: int
    withholding_seeds: int

    def settings(self) -> settings:
        """Hypothesis settings: derandomized (the same verdict on every run), no example
        database, no deadline (a strategy may be slow), quiet, no explain phase."""
        return settings(
            max_examples=self.max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            print_blob=False,
            # the explain phase re-runs a shrunk failure many times to annotate it; the
            # transcript in the message already says what matters
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        )


QUICK = Profile("quick", max_examples=40, max_rounds=10, withholding_rounds=40, withholding_seeds=3)
THOROUGH = Profile("thorough", max_examples=400, max_rounds=40, withholding_rounds=200, withholding_seeds=10)


def profile_for(thorough: bool) -> Profile:
    """THOROUGH when asked, else QUICK."""
    return THOROUGH if thorough else QUICK
