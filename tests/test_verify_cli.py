"""`invoke verify` exit codes: 0 when every panel has data, 1 on a finding, 130 on Ctrl-C."""

from __future__ import annotations

from typing import Any

import pytest

from leaky_dashboards import cli
from leaky_dashboards.project import Project
from leaky_dashboards.verify import recording, rules, run

from .conftest import Verified


def test_verify_exits_0_on_the_real_dashboards(verified_full: Verified) -> None:
    assert verified_full.code == 0
    out = verified_full.out
    assert "synthetic data: " in out
    document = run.compiled_subject(Project()).rules
    alerts = [r for g in document["groups"] for r in g["rules"] if "alert" in r]
    # One target per alert, one per comparison of an alert joining several (the burn rates).
    count = sum(len(rules.comparisons(r["expr"])) for r in alerts)
    assert f"Alert rules: {count} targets" in out
    # Each recorded series equals its expression, one line each.
    records = [r["record"] for r in recording.records(document)]
    assert records
    for name in records:
        assert f"ok   recording rule {name}: equal to its expression" in out


def test_a_finding_exits_1_with_the_reason_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(*_: Any, **__: Any) -> None:
        raise run.VerifyError("1 panel problem(s) found on the synthetic data")

    monkeypatch.setattr(run, "run", failing)
    assert cli.verify() == 1
    assert "error: 1 panel problem(s)" in capsys.readouterr().err


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: Any, **__: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "run", interrupted)
    assert cli.verify() == 130
