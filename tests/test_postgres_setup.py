"""The PostgreSQL tests' own setup: where no server is installed they skip saying how to install
one, except under CI=true, where that fails the run."""

from __future__ import annotations

import pytest

from tests import postgres


def test_without_a_server_the_tests_skip_saying_how_to_install_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(postgres, "server_binaries", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        postgres.start_server()


def test_under_ci_a_missing_server_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(postgres, "server_binaries", lambda: None)
    with pytest.raises(pytest.fail.Exception, match="no PostgreSQL server binaries"):
        postgres.start_server()
