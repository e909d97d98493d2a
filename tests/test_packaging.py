"""What ships: the license matches pyproject, and the tested minimum versions are the declared
lower bounds (constraints/minimum.txt is what .ci/minimum-versions installs)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def lower_bounds(requirements: list[str]) -> dict[str, Version]:
    bounds = {}
    for line in requirements:
        requirement = Requirement(line)
        found = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        if found:
            bounds[requirement.name.lower()] = max(found)
    return bounds


def pinned() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints" / "minimum.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = Version(version.strip())
    return pins


def test_the_minimum_constraints_pin_every_declared_lower_bound() -> None:
    declared = lower_bounds(PYPROJECT["dependencies"])
    declared.update(lower_bounds(PYPROJECT["optional-dependencies"]["test"]))
    pins = pinned()
    assert {name: pins.get(name) for name in declared} == declared
    # dask[distributed] comes as two distributions released together: distributed at dask's version
    assert set(pins) - set(declared) == {"distributed"}
    assert pins["distributed"] == pins["dask"]


def test_the_license_file_matches_pyproject() -> None:
    assert PYPROJECT["license"] == "MIT"
    assert PYPROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n") and "the powergame authors" in text


def test_ci_runs_the_minimum_versions_and_the_wheel_jobs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".ci/minimum-versions" in ci and ".ci/wheel" in ci
    assert "constraints/minimum.txt" in (ROOT / ".ci" / "minimum-versions").read_text()
