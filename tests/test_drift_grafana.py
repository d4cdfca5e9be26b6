"""`invoke drift --grafana URL`: the Leaky Tokens folder's dashboards from Grafana's HTTP API,
served here by a local server on 127.0.0.1 answering as Grafana's HTTP API documentation describes
(tests/fixtures/grafana_api/, written from the documentation; not a recording)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from leaky_dashboards import cli
from tests.drift_support import NAMES, edited_overview, envelope, golden, saved_by_grafana

FIXTURES = Path(__file__).parent / "fixtures" / "grafana_api"
TOKEN = "glsa_test-token-not-a-real-one"


def search(held: dict[str, Any]) -> list[Any]:
    """Grafana's search answer for the dashboards the fake holds: the documented entry of each
    (search.json), and one of the same shape for a dashboard the fixture does not list."""
    documented = json.loads((FIXTURES / "search.json").read_text())
    by_uid = {entry["uid"]: entry for entry in documented}
    found = []
    for number, (uid, envelope_) in enumerate(sorted(held.items()), start=100):
        entry = by_uid.get(uid) or documented[0] | {
            "id": number,
            "uid": uid,
            "title": envelope_["dashboard"]["title"],
            "uri": f"db/{uid}",
            "url": f"/d/{uid}/{uid}",
        }
        found.append(entry)
    return found


class FakeGrafana:
    """Serves /api/folders, /api/search and /api/dashboards/uid/<uid>; records each request."""

    def __init__(self, dashboards: dict[str, Any], token: str | None = TOKEN) -> None:
        self.dashboards = dashboards
        self.token = token
        self.requests: list[tuple[str, str | None]] = []
        self.redirect_to: str | None = None
        self.folders_without_uid = False
        grafana = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                grafana.requests.append((self.path, self.headers.get("Authorization")))
                if grafana.redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", grafana.redirect_to + self.path)
                    self.end_headers()
                    return
                if grafana.token and self.headers.get("Authorization") != f"Bearer {grafana.token}":
                    return self._send(401, {"message": "Unauthorized"})
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/api/folders":
                    folders = json.loads((FIXTURES / "folders.json").read_text())
                    if grafana.folders_without_uid:  # before folder uids (Grafana 5.0)
                        folders = [{k: v for k, v in f.items() if k != "uid"} for f in folders]
                    return self._send(200, folders)
                if url.path == "/api/search":
                    wanted = (
                        ("folderIds", "2")
                        if grafana.folders_without_uid
                        else ("folderUIDs", "leaky-tokens-folder")
                    )
                    if query.get("type") != ["dash-db"] or query.get(wanted[0]) != [wanted[1]]:
                        return self._send(200, [])
                    return self._send(200, search(grafana.dashboards))
                prefix = "/api/dashboards/uid/"
                if url.path.startswith(prefix) and url.path[len(prefix) :] in grafana.dashboards:
                    return self._send(200, grafana.dashboards[url.path[len(prefix) :]])
                return self._send(404, {"message": "Dashboard not found"})

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    dashboards = {name: envelope(saved_by_grafana(golden(name))) for name in NAMES}
    server = FakeGrafana(dashboards)
    yield server
    server.close()


def test_grafana_mode_fetches_the_folder_with_the_token_from_the_environment(
    grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_GRAFANA_TOKEN", TOKEN)
    grafana.dashboards["leaky-tokens-overview"] = envelope(edited_overview())
    code = cli.drift([], grafana=grafana.url)
    out, err = capsys.readouterr()
    assert code == 1, err
    assert (
        f"from `{grafana.url}/api/dashboards/uid/leaky-tokens-overview` (HTTP API): panels 1 added"
        in out
    )
    assert out.count(": no drift") == len(NAMES) - 1  # all but the edited overview
    paths = [path for path, _ in grafana.requests]
    assert paths[0] == "/api/folders?limit=1000"
    assert paths[1] == "/api/search?type=dash-db&folderUIDs=leaky-tokens-folder&limit=5000"
    assert sorted(paths[2:]) == sorted(f"/api/dashboards/uid/{n}" for n in NAMES)
    assert {auth for _, auth in grafana.requests} == {f"Bearer {TOKEN}"}
    assert TOKEN not in out + err


def test_grafana_mode_exits_0_when_grafana_holds_the_golden_dashboards(
    grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_GRAFANA_TOKEN", TOKEN)
    assert cli.drift([], grafana=grafana.url) == 0
    assert capsys.readouterr().out.count(": no drift") == len(NAMES)


def test_grafana_refusing_the_request_names_the_token_variable_and_exits_2(
    grafana: FakeGrafana,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("LEAKY_GRAFANA_TOKEN", raising=False)
    report = tmp_path / "report.md"
    code = cli.drift([], grafana=grafana.url, output=str(report))
    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"{grafana.url}/api/folders?limit=1000: HTTP 401 Unauthorized (set LEAKY_GRAFANA_TOKEN)"
        in err
    )
    assert not report.exists()


def test_a_redirect_is_refused_and_the_token_never_reaches_another_host(
    grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = FakeGrafana({}, token=None)
    try:
        grafana.redirect_to = elsewhere.url
        monkeypatch.setenv("LEAKY_GRAFANA_TOKEN", TOKEN)
        code = cli.drift([], grafana=grafana.url)
        err = capsys.readouterr().err
        assert code == 2
        assert "answered with a redirect (302)" in err
        assert elsewhere.requests == []
    finally:
        elsewhere.close()


def test_a_folder_grafana_does_not_have_is_named_with_the_folders_it_has(
    grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_GRAFANA_TOKEN", TOKEN)
    monkeypatch.setenv("LEAKY_FOLDER", "Somewhere else")
    code = cli.drift([], grafana=grafana.url)
    err = capsys.readouterr().err
    assert code == 2
    assert (
        "no folder titled 'Somewhere else' (LEAKY_FOLDER); its folders: Department ABC, "
        "Leaky Tokens" in err
    )


def test_a_grafana_url_with_credentials_is_refused_before_any_request(
    grafana: FakeGrafana, capsys: pytest.CaptureFixture[str]
) -> None:
    address = grafana.url.replace("http://", "http://admin:secret@")
    code = cli.drift([], grafana=address)
    err = capsys.readouterr().err
    assert code == 2
    assert "secret" not in err and "carries credentials" in err
    assert grafana.requests == []


def test_a_folder_without_a_uid_is_searched_by_its_id(
    grafana: FakeGrafana, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEAKY_GRAFANA_TOKEN", TOKEN)
    grafana.folders_without_uid = True
    assert cli.drift([], grafana=grafana.url) == 0
    assert capsys.readouterr().out.count(": no drift") == len(NAMES)
    assert grafana.requests[1][0] == "/api/search?type=dash-db&folderIds=2&limit=5000"
