"""Every SVG snapshot belongs to a test: syrupy fails a run on a snapshot no test uses only when
the run is not split over pytest-xdist workers, and `make test` splits it; so this checks the
same in every run."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SNAPSHOTS = ROOT / "tests" / "__snapshots__"


def _collected(modules: list[str]) -> set[str]:
    """The snapshot file name each collected test of `modules` would have, by module: the
    module's name, then the test's class and name (with its parameters) joined by dots."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    listed = subprocess.run(
        [*command, "-p", "no:xdist", *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    names = set()
    for line in listed.stdout.splitlines():
        if "::" not in line:
            continue
        path, *parts = line.split("::")
        names.add(f"{path.removeprefix('tests/').removesuffix('.py')}/{'.'.join(parts)}.svg")
    return names


def test_every_snapshot_belongs_to_a_test() -> None:
    snapshots = {f"{p.parent.name}/{p.name}" for p in SNAPSHOTS.glob("*/*.svg")}
    assert snapshots, "no snapshots found"
    modules = sorted(
        f"tests/{folder.name}.py"
        for folder in SNAPSHOTS.iterdir()
        if folder.is_dir() and (ROOT / "tests" / f"{folder.name}.py").exists()
    )
    unused = sorted(snapshots - _collected(modules))
    assert not unused, (
        f"snapshots no test takes (run pytest --snapshot-update without -n): {unused}"
    )
