"""``powergame check``: table, counterexamples, exit status, one-line errors."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from powergame.cli import cli

PLUGIN = '''
from powergame import C, D, Player

class KitHonest(Player):
    """Cooperates, then copies."""
    name = "Kit Honest"
    classifier = {"family": "neutral", "memory_depth": 1, "stochastic": False,
                  "can_leave": False, "uses_outside_options": False}
    def strategy(self, opponent):
        return opponent.history[-1] if opponent.history else C

class KitOverStaker(KitHonest):
    """Offers more than everything."""
    name = "Kit Over Staker"
    def stake(self, opponent):
        return 1.5
'''


def _plugin(tmp_path: Path) -> str:
    path = tmp_path / "kit_plugin.py"
    path.write_text(PLUGIN)
    return str(path)


def test_honest_strategy_passes_with_exit_status_zero(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--plugin", _plugin(tmp_path), "Kit Honest"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("Kit Honest"))
    assert row.split()[2:] == ["pass", "pass", "pass", "pass", "pass", "pass", "-"]
    assert "1 of 1 strategies pass every claimed property." in result.output


def test_failure_prints_the_counterexample_and_exits_one(tmp_path):
    args = ["check", "--plugin", _plugin(tmp_path), "Kit Honest", "Kit Over Staker", "--property", "stakes"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "Kit Over Staker - stakes: FAIL" in result.output
    assert "stake() returned 1.5, outside (0, 1]" in result.output
    assert "1 of 2 strategies pass every claimed property." in result.output


def test_unknown_property_is_a_parameter_error(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--property", "honesty", "Loyal"])
    assert result.exit_code != 0
    assert "--property = 'honesty' is not allowed: must be one of valid, stakes" in str(result.exception)


def test_installed_command_exits_one_on_a_failure(tmp_path):
    import subprocess
    import sys

    command = Path(sys.executable).parent / "powergame"
    args = [str(command), "check", "--plugin", _plugin(tmp_path), "Kit Over Staker", "--property", "stakes"]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1, completed.stderr
    assert "Kit Over Staker - stakes: FAIL" in completed.stdout
