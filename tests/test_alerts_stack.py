"""The stack a user runs: compose file, Prometheus and Alertmanager configs, checked by tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from leaky_dashboards import outputs
from leaky_dashboards.project import Project
from leaky_dashboards.settings import ROOT, Installation
from leaky_dashboards.verify import synthetic

COMPOSE = ROOT / "docker-compose.observability.yml"
PROMETHEUS = ROOT / "prometheus" / "prometheus.yml"
ALERTMANAGER = ROOT / "prometheus" / "alertmanager.yml"
PASSWORD_VAR = "GF_SECURITY_ADMIN_PASSWORD"


BIND_VAR = "LEAKY_BIND_ADDRESS"


def compose(
    *args: str, password: str | None, bind: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (PASSWORD_VAR, BIND_VAR)}
    if password is not None:
        env[PASSWORD_VAR] = password
    if bind is not None:
        env[BIND_VAR] = bind
    return subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    result = compose("config", password="from-the-environment")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = yaml.safe_load(result.stdout)
    return document


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path → host path relative to the project root."""
    out = {}
    for volume in service["volumes"]:  # docker-compose 1.29 prints "host:container:mode"
        source, target = volume.split(":")[:2]
        if source.startswith("/"):  # a bind mount, not a named volume
            out[target] = Path(source).relative_to(ROOT).as_posix()
    return out


def test_compose_config_is_valid_with_the_password_in_the_environment() -> None:
    result = compose("config", "-q", password="from-the-environment")
    assert result.returncode == 0, result.stderr


def port_text(port: Any) -> str:
    """A published port as "ip:host:container", from the short or the long syntax."""
    if isinstance(port, dict):
        return f"{port.get('host_ip', '0.0.0.0')}:{port['published']}:{port['target']}"
    return str(port).removesuffix("/tcp")


def published(bind: str | None) -> dict[str, list[str]]:
    """Each service's published ports as docker-compose resolves them ("ip:host:container")."""
    result = compose("config", password="from-the-environment", bind=bind)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    return {
        name: [port_text(port) for port in service.get("ports", [])]
        for name, service in sorted(services.items())
    }


def test_every_port_is_published_on_loopback_only_by_default() -> None:
    assert published(None) == {
        "alertmanager": ["127.0.0.1:9093:9093"],
        "grafana": ["127.0.0.1:3000:3000"],
        "prometheus": ["127.0.0.1:9090:9090"],
    }


def test_the_bind_address_is_configurable() -> None:
    ports = published("10.1.2.3")
    assert all(p.startswith("10.1.2.3:") for each in ports.values() for p in each), ports
    assert len(ports["grafana"]) == 1


def test_compose_refuses_to_run_without_an_admin_password() -> None:
    result = compose("config", "-q", password=None)
    assert result.returncode != 0
    assert PASSWORD_VAR in result.stderr


def test_grafana_takes_its_admin_password_from_the_environment_only(
    resolved: dict[str, Any],
) -> None:
    grafana = resolved["services"]["grafana"]
    assert grafana["environment"][PASSWORD_VAR] == "from-the-environment"
    raw = yaml.safe_load(COMPOSE.read_text())["services"]["grafana"]["environment"]
    assert raw[PASSWORD_VAR].startswith("${" + PASSWORD_VAR + ":?")


def test_grafana_mounts_provisioning_and_the_golden_dashboards_at_the_providers_path(
    resolved: dict[str, Any],
) -> None:
    provider = yaml.safe_load(
        (ROOT / "golden/provisioning/dashboards/leaky-tokens.yaml").read_text()
    )
    path = provider["providers"][0]["options"]["path"]
    assert path == Installation().dashboards_path
    grafana = mounts(resolved["services"]["grafana"])
    assert grafana[path] == "golden/dashboards"
    assert grafana["/etc/grafana/provisioning/datasources"] == "provisioning/datasources"
    assert grafana["/etc/grafana/provisioning/dashboards"] == "provisioning/dashboards"


def test_prometheus_loads_the_rules_the_build_writes(resolved: dict[str, Any]) -> None:
    prometheus = mounts(resolved["services"]["prometheus"])
    config_dir = "/etc/prometheus"
    assert prometheus[f"{config_dir}/prometheus.yml"] == "prometheus/prometheus.yml"
    rules_dir = Path(outputs.RULES_FILE).parent.as_posix()
    assert prometheus[f"{config_dir}/rules"] == rules_dir
    patterns = yaml.safe_load(PROMETHEUS.read_text())["rule_files"]
    assert any(Path(outputs.RULES_FILE).name.endswith(p.split("*")[-1]) for p in patterns)
    assert all(p.startswith("rules/") for p in patterns)


def test_prometheus_config_passes_promtool_with_the_rules_where_the_container_sees_them(
    tmp_path: Path,
) -> None:
    shutil.copy(PROMETHEUS, tmp_path / "prometheus.yml")
    (tmp_path / "rules").mkdir()
    shutil.copy(ROOT / "golden" / outputs.RULES_FILE, tmp_path / "rules")
    result = subprocess.run(
        ["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    groups = yaml.safe_load((tmp_path / "rules" / Path(outputs.RULES_FILE).name).read_text())
    count = sum(len(group["rules"]) for group in groups["groups"])
    assert f"SUCCESS: {count} rules found" in result.stdout


def test_the_committed_prometheus_config_passes_promtool() -> None:
    result = subprocess.run(
        ["promtool", "check", "config", str(PROMETHEUS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_is_scraped_as_the_contract_says() -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    services = {s for m in Project().library.catalog().metrics.values() for s in m.services}
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == services
    assert config["global"]["scrape_interval"] == Installation().scrape_interval
    for name, job in jobs.items():
        assert job["metrics_path"] == "/actuator/prometheus"
        assert job["static_configs"] == [{"targets": [f"{name}:{synthetic.PORTS[name]}"]}]


def test_prometheus_sends_alerts_to_the_stacks_alertmanager(resolved: dict[str, Any]) -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    [published_port] = resolved["services"]["alertmanager"]["ports"]
    port = port_text(published_port).split(":")[-1]
    assert targets == [f"alertmanager:{port}"]


def test_alertmanager_config_passes_amtool() -> None:
    result = subprocess.run(
        ["amtool", "check-config", str(ALERTMANAGER)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_critical_alert_inhibits_the_warning_of_the_same_alert_and_service() -> None:
    inhibit = yaml.safe_load(ALERTMANAGER.read_text())["inhibit_rules"]
    # ... and of the same instance or provider, where the alert names one: a critical heap
    # alert on one replica must not silence the warning of another.
    assert {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["alertname", "application", "instance", "provider"],
    } in inhibit


def test_a_service_down_inhibits_the_instance_down_warnings_of_its_job() -> None:
    inhibit = yaml.safe_load(ALERTMANAGER.read_text())["inhibit_rules"]
    assert {
        "source_matchers": ['alertname="LeakyTokensServiceDown"'],
        "target_matchers": ['alertname="LeakyTokensInstanceDown"'],
        "equal": ["job"],
    } in inhibit
