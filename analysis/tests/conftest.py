"""Fixtures of the analysis tests: traces produced by running the shipped scenarios.

The sipsim binary comes from $SIPSIM_BINARY (set by CTest to the one just built), else
build/cli/sipsim of the source tree. Runs are cached for the test session.
"""

import os
import subprocess
import sys

import pytest

SOURCE_DIR = os.environ.get("SIPSIM_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
SCENARIOS = os.path.join(SOURCE_DIR, "scenarios")
ANALYSIS_DIR = os.path.join(SOURCE_DIR, "analysis")


def sipsim_binary():
    binary = os.environ.get("SIPSIM_BINARY") or os.path.join(SOURCE_DIR, "build", "cli", "sipsim")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"no sipsim binary at {binary}: build it, or set SIPSIM_BINARY")
    return binary


def scenario_path(name):
    return os.path.join(SCENARIOS, f"{name}.textproto")


class Runs:
    """Runs scenarios into a temporary directory, each (scenario, options) once."""

    def __init__(self, base):
        self.base = base
        self.cache = {}

    def run(self, name, *sets, run=None, scenario_file=None, expect_exit=(0, 1)):
        """Runs scenario ``name`` (or ``scenario_file``) with ``--set`` overrides; returns the
        output directory (trace.pb or trace.pb.gz, summary.json)."""
        key = (name, sets, run, scenario_file)
        if key in self.cache:
            return self.cache[key]
        out = os.path.join(str(self.base), f"{name}-{len(self.cache)}")
        command = [sipsim_binary(), "run", scenario_file or scenario_path(name), "--out", out,
                   "--no-progress"]
        for assignment in sets:
            command += ["--set", assignment]
        if run is not None:
            command += ["--run", str(run)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode in expect_exit, (command, result.stdout, result.stderr)
        self.cache[key] = out
        return out

    def variant(self, name, replacements, tag):
        """A copy of a shipped scenario with text replaced (for changes --set cannot make,
        such as a distribution's kind)."""
        with open(scenario_path(name), encoding="utf-8") as handle:
            text = handle.read()
        for old, new in replacements:
            assert old in text, f"{old!r} not in {name}"
            text = text.replace(old, new)
        path = os.path.join(str(self.base), f"{name}-{tag}.textproto")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    return Runs(tmp_path_factory.mktemp("runs"))


def trace_file(out_dir):
    for name in ("trace.pb", "trace.pb.gz"):
        path = os.path.join(out_dir, name)
        if os.path.exists(path):
            return path
    raise AssertionError(f"no trace in {out_dir}")


def run_cli(*args):
    """Runs ``python3 -m sipsim_analysis ARGS``; returns the CompletedProcess."""
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "sipsim_analysis", *args], capture_output=True,
                          text=True, env=env, timeout=300)
