"""The dashboards of the Leaky Tokens folder, fetched from a running Grafana's HTTP API.

As Grafana's HTTP API documentation describes it: `GET /api/folders` (the folder's uid and id by
its title, `LEAKY_FOLDER`), `GET /api/search?type=dash-db&folderUIDs=<uid>` (its dashboards;
`folderIds=<id>` for a Grafana whose folders have no uid), then `GET /api/dashboards/uid/<uid>`
for each (the `{"dashboard": …, "meta": …}` envelope). The token, if any, is read from the
environment (`LEAKY_GRAFANA_TOKEN`), sent as `Authorization: Bearer`, and never printed;
redirects are refused, so it never reaches another host. Tried against a local server serving
responses shaped as the documentation shows, not against a live Grafana.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..errors import BuildError
from ..settings import _root_url
from .read import MAX_BYTES, BadInput, Fetched, from_document

TOKEN_ENV = "LEAKY_GRAFANA_TOKEN"
TIMEOUT = 30.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: Any, fp: Any, code: Any, msg: Any, headers: Any, newurl: str
    ) -> None:
        raise BuildError(
            f"{req.full_url}: Grafana answered with a redirect ({code}) to {newurl}; "
            "give the URL it redirects to (the token is never sent on a redirect)"
        )


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch_folder(url: str, folder: str, env: dict[str, str] | None = None) -> list[Fetched]:
    """Every dashboard of the folder titled `folder` in the Grafana at `url`, in uid order."""
    problem = _root_url(url)
    if problem is not None:
        raise BuildError(f"--grafana: {problem}")
    base = url.rstrip("/")
    token = (os.environ if env is None else env).get(TOKEN_ENV) or None
    folders = _get(base, "/api/folders?limit=1000", token)
    if not isinstance(folders, list):
        raise BadInput(f"{base}/api/folders: not a list of folders")
    match = [f for f in folders if isinstance(f, dict) and f.get("title") == folder]
    if not match:
        titles = ", ".join(
            sorted(_printable(str(f.get("title"))) for f in folders if isinstance(f, dict))
        )
        raise BadInput(
            f"{base}: no folder titled {folder!r} (LEAKY_FOLDER); its folders: {titles or 'none'}"
        )
    found = match[0]
    if isinstance(found.get("uid"), str) and found["uid"]:
        query = {"type": "dash-db", "folderUIDs": found["uid"], "limit": "5000"}
    else:
        query = {"type": "dash-db", "folderIds": str(found.get("id")), "limit": "5000"}
    hits = _get(base, "/api/search?" + urllib.parse.urlencode(query), token)
    if not isinstance(hits, list):
        raise BadInput(f"{base}/api/search: not a list of search hits")
    uids = sorted(
        {
            str(h["uid"])
            for h in hits
            if isinstance(h, dict) and h.get("type") == "dash-db" and h.get("uid")
        }
    )
    fetched = []
    for uid in uids:
        path = "/api/dashboards/uid/" + urllib.parse.quote(uid, safe="")
        fetched.append(from_document(base + path, _get(base, path, token)))
    if not fetched:
        raise BadInput(f"{base}: folder {folder!r} holds no dashboard")
    return fetched


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:200]


def _get(base: str, path: str, token: str | None) -> Any:
    url = base + path
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        hint = f" (set {TOKEN_ENV})" if exc.code in (401, 403) and not token else ""
        raise BuildError(f"{url}: HTTP {exc.code} {exc.reason}{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BuildError(f"{url}: cannot reach Grafana: {reason}") from None
    if len(body) > MAX_BYTES:
        raise BadInput(f"{url}: answer larger than {MAX_BYTES} bytes")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{url}: not JSON: {exc}") from None
