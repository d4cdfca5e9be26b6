"""Installation values (LEAKY_*): checked before use, no credential written or printed, `$` kept
literal in provisioning, and a non-default installation builds its own provisioning/ without
golden drift (golden/ is always the default installation)."""

from __future__ import annotations

import pytest
import yaml

from leaky_dashboards import cli
from leaky_dashboards.settings import Installation, InstallationError, Paths

from .conftest import snapshot

PASSWORD = "s3cr3t-pa55"


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("LEAKY_PROMETHEUS_URL", "not a url", "holds a space"),
        ("LEAKY_PROMETHEUS_URL", "http://prometheus:9090\nx", "control character"),
        ("LEAKY_PROMETHEUS_URL", "ftp://prometheus:9090", "is not an http:// or https:// URL"),
        ("LEAKY_PROMETHEUS_URL", "http://:9090", "names no host"),
        ("LEAKY_PROMETHEUS_URL", "http://prometheus:port", "is not a URL"),
        ("LEAKY_SCRAPE_INTERVAL", "abc", "'abc' is not a duration such as 15s"),
        ("LEAKY_SCRAPE_INTERVAL", "15", "'15' is not a duration"),
        ("LEAKY_SCRAPE_INTERVAL", "0s", "'0s' is not a duration"),
        ("LEAKY_DATASOURCE_UID", "prom main", "is not a Grafana uid"),
        ("LEAKY_DATASOURCE_UID", "p" * 41, "is not a Grafana uid: 1 to 40"),
        ("LEAKY_DATASOURCE_NAME", "", "is empty"),
        ("LEAKY_FOLDER", "Leaky\nTokens", "control character"),
        ("LEAKY_DASHBOARDS_PATH", "dashboards", "is not an absolute path"),
        ("LEAKY_GRAFANA_URL", "grafana:3000", "is not an http:// or https:// URL"),
        ("LEAKY_GRAFANA_URL", "https://grafana/?orgId=1", "holds a query or fragment"),
        ("LEAKY_GRAFANA_URL", f"https://admin:{PASSWORD}@grafana", "carries credentials"),
        ("LEAKY_DOCS_URL", "docs/dashboards.md#top", "neither an http(s):// URL nor a path"),
        ("LEAKY_DOCS_URL", "ftp://git.example.org/d.md", "is not an http:// or https:// URL"),
        ("LEAKY_DOCS_URL", "golden/docs/my dashboards.md", "holds a space"),
        ("LEAKY_PROMETHEUS_URL", "http://prom:9090/{{ $labels.x }}", "template syntax"),
        ("LEAKY_GRAFANA_URL", "https://grafana/d/{{.x}}", "template syntax"),
        ("LEAKY_DOCS_URL", "https://git.example.org/}}/d.md", "template syntax"),
        ("LEAKY_FOLDER", "Leaky\u2028Tokens", "U+2028 LINE SEPARATOR, a line break"),
        ("LEAKY_DATASOURCE_NAME", "Prom\u2029etheus", "U+2029 PARAGRAPH SEPARATOR"),
        ("LEAKY_FOLDER", "Leaky\x85Tokens", "control character (U+0085"),
        ("LEAKY_PROMETHEUS_URL", "http://prom:9090\u2028", "a line break"),
        ("LEAKY_DASHBOARDS_PATH", "/var/lib/grafana\u2028x", "a line break"),
        ("LEAKY_DOCS_URL", "../elsewhere/dashboards.md", "leaves the repository"),
        ("LEAKY_DOCS_URL", "golden/../../etc/passwd", "leaves the repository"),
        ("LEAKY_DOCS_URL", "/etc/passwd", "leaves the repository"),
    ],
)
def test_bad_value_is_an_error_naming_its_variable(variable: str, value: str, words: str) -> None:
    with pytest.raises(InstallationError) as raised:
        Installation.from_env({variable: value})
    assert str(raised.value).startswith(f"{variable}: ")
    assert words in str(raised.value)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEAKY_GRAFANA_URL", "https://grafana.example.org/"),
        ("LEAKY_GRAFANA_URL", "http://localhost:3000/grafana"),
        ("LEAKY_DOCS_URL", "https://git.example.org/dash/blob/main/golden/docs/dashboards.md"),
        ("LEAKY_DOCS_URL", "golden/docs/dashboards.md"),
    ],
)
def test_grafana_and_docs_roots_are_accepted(variable: str, value: str) -> None:
    installation = Installation.from_env({variable: value})
    assert value in (installation.grafana_url, installation.docs_url)


def test_a_credential_in_the_grafana_url_is_never_printed() -> None:
    with pytest.raises(InstallationError) as raised:
        Installation.from_env({"LEAKY_GRAFANA_URL": f"https://admin:{PASSWORD}@grafana"})
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(
    "value",
    [
        f"http://prom:9090/api?access_token={PASSWORD}",
        f"http://prom:9090/?token={PASSWORD}",
        f"http://prom:9090/?x=1&key={PASSWORD}",
        f"http://prom:9090/?API_KEY={PASSWORD}",
        f"http://prom:9090/?password={PASSWORD}",
        f"http://prom:9090/#access_token={PASSWORD}",
        f"ftp://prom:9090/?client_secret={PASSWORD}",  # refused for the secret first
    ],
)
def test_a_secret_in_a_query_string_is_refused_without_printing_it(
    tree: Paths, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_PROMETHEUS_URL", value)
    before = snapshot(tree.root)
    assert cli.build(paths=tree) == 2
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    assert err.startswith("error: LEAKY_PROMETHEUS_URL: carries a secret in its query string (")
    assert "=***)" in err and "Traceback" not in err
    assert snapshot(tree.root) == before


@pytest.mark.parametrize("variable", ["LEAKY_GRAFANA_URL", "LEAKY_DOCS_URL"])
def test_a_secret_in_a_link_root_is_refused_without_printing_it(variable: str) -> None:
    for value in (f"https://grafana/?token={PASSWORD}", f"docs/d.md?token={PASSWORD}"):
        with pytest.raises(InstallationError) as raised:
            Installation.from_env({variable: value})
        assert "carries a secret in its query string (token=***)" in str(raised.value)
        assert PASSWORD not in str(raised.value)


def test_a_plain_query_string_in_the_prometheus_url_is_accepted() -> None:
    url = "http://prom:9090/prometheus?orgId=1"
    assert Installation.from_env({"LEAKY_PROMETHEUS_URL": url}).prometheus_url == url


def test_each_bad_variable_is_one_error_line(
    tree: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_FOLDER", "Leaky\u2028Tokens")
    monkeypatch.setenv("LEAKY_DOCS_URL", "../docs.md")
    monkeypatch.setenv("LEAKY_GRAFANA_URL", "https://grafana/{{ x }}")
    assert cli.build(paths=tree) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[:2] for line in lines] == [
        ["error", " LEAKY_FOLDER"],
        ["error", " LEAKY_GRAFANA_URL"],
        ["error", " LEAKY_DOCS_URL"],
    ]


def test_every_bad_value_is_named_at_once() -> None:
    with pytest.raises(InstallationError) as raised:
        Installation.from_env({"LEAKY_SCRAPE_INTERVAL": "abc", "LEAKY_DATASOURCE_UID": "a b"})
    assert "LEAKY_DATASOURCE_UID: " in str(raised.value)
    assert "LEAKY_SCRAPE_INTERVAL: " in str(raised.value)


@pytest.mark.parametrize(
    "value",
    ["15s", "1m", "1m30s", "500ms"],
)
def test_prometheus_durations_are_accepted(value: str) -> None:
    assert Installation.from_env({"LEAKY_SCRAPE_INTERVAL": value}).scrape_interval == value


def test_url_with_credentials_is_refused_without_printing_them_and_says_how(
    tree: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_PROMETHEUS_URL", f"https://admin:{PASSWORD}@prom.internal:9090")
    before = snapshot(tree.root)
    assert cli.build(paths=tree) == 2
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err and "admin" not in out + err
    assert "LEAKY_PROMETHEUS_URL: https://***@prom.internal: carries credentials" in err
    assert "secureJsonData" in err and "$PROMETHEUS_PASSWORD" in err
    assert snapshot(tree.root) == before


def test_scrape_interval_abc_is_one_error_line_not_a_traceback(
    tree: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_SCRAPE_INTERVAL", "abc")
    for job in (cli.build, cli.lint, cli.docs):
        assert job(paths=tree) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: LEAKY_SCRAPE_INTERVAL: 'abc' is not a duration")
        assert "Traceback" not in err


def test_dollar_signs_are_written_doubled_so_grafana_keeps_them_literal(
    tree: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY_FOLDER", "Leaky $HOME ${USER} $$")
    monkeypatch.setenv("LEAKY_DATASOURCE_NAME", "Prom$")
    assert cli.build(paths=tree) == 0
    provider = (tree.provisioning / "dashboards" / "leaky-tokens.yaml").read_text()
    assert yaml.safe_load(provider)["providers"][0]["folder"] == "Leaky $$HOME $${USER} $$$$"
    datasource = yaml.safe_load((tree.provisioning / "datasources" / "prometheus.yaml").read_text())
    assert datasource["datasources"][0]["name"] == "Prom$$"


def test_a_non_default_installation_builds_without_drift_and_provisions_its_own_values(
    tree: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = snapshot(tree.golden)
    monkeypatch.setenv("LEAKY_DATASOURCE_UID", "prom-main")
    monkeypatch.setenv("LEAKY_PROMETHEUS_URL", "https://prom.internal:9443")
    monkeypatch.setenv("LEAKY_SCRAPE_INTERVAL", "30s")
    monkeypatch.setenv("LEAKY_FOLDER", "Platform")
    assert cli.build(paths=tree) == 0
    assert "no golden drift" in capsys.readouterr().out
    [ds] = yaml.safe_load((tree.provisioning / "datasources" / "prometheus.yaml").read_text())[
        "datasources"
    ]
    assert (ds["uid"], ds["url"]) == ("prom-main", "https://prom.internal:9443")
    assert ds["jsonData"]["timeInterval"] == "30s"
    provider = yaml.safe_load((tree.provisioning / "dashboards" / "leaky-tokens.yaml").read_text())
    assert provider["providers"][0]["folder"] == "Platform"
    assert cli.build(update=True, paths=tree) == 0
    assert snapshot(tree.golden) == golden  # golden-update too keeps the default installation


def test_golden_provisioning_is_the_default_installation(tree: Paths) -> None:
    [ds] = yaml.safe_load((tree.golden / "provisioning/datasources/prometheus.yaml").read_text())[
        "datasources"
    ]
    defaults = Installation()
    assert (ds["uid"], ds["url"]) == (defaults.datasource_uid, defaults.prometheus_url)
