"""The few Prometheus HTTP API calls verify needs, over urllib (form POSTs, JSON answers)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 60.0


@dataclass(frozen=True)
class Answer:
    """A query's outcome: `error` set on failure, else `result` (the API's data.result)."""

    result: list[dict[str, Any]]
    error: str | None
    seconds: float  # wall-clock time of the request


class Client:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _call(
        self, path: str, params: list[tuple[str, str]]
    ) -> tuple[dict[str, Any] | None, str | None]:
        body = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                document = json.load(response)
        except urllib.error.HTTPError as exc:  # 400/422/503 carry the reason as JSON
            try:
                document = json.load(exc)
            except (ValueError, OSError):
                return None, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return None, f"request failed: {exc}"
        if document.get("status") != "success":
            return None, f"{document.get('errorType', 'error')}: {document.get('error', '?')}"
        return document, None

    def query(self, expr: str, at: float) -> Answer:
        return self._timed("/api/v1/query", [("query", expr), ("time", _num(at))])

    def query_range(self, expr: str, start: float, end: float, step: float) -> Answer:
        params = [("query", expr), ("start", _num(start)), ("end", _num(end)), ("step", _num(step))]
        return self._timed("/api/v1/query_range", params)

    def label_values(
        self, label: str, match: str | None, start: float, end: float
    ) -> tuple[list[str], str | None]:
        params = [("start", _num(start)), ("end", _num(end))]
        if match:
            params.append(("match[]", match))
        # The label values endpoint is GET-only.
        query = urllib.parse.urlencode(params)
        path = f"/api/v1/label/{urllib.parse.quote(label, safe='')}/values?{query}"
        try:
            with urllib.request.urlopen(self.url + path, timeout=TIMEOUT) as response:
                document = json.load(response)
        except urllib.error.HTTPError as exc:
            try:
                document = json.load(exc)
            except (ValueError, OSError):
                return [], f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return [], f"request failed: {exc}"
        if document.get("status") != "success":
            return [], f"{document.get('errorType', 'error')}: {document.get('error', '?')}"
        return [str(v) for v in document.get("data") or []], None

    def _timed(self, path: str, params: list[tuple[str, str]]) -> Answer:
        started = time.perf_counter()
        document, error = self._call(path, params)
        seconds = time.perf_counter() - started
        if error or document is None:
            return Answer([], error or "no answer", seconds)
        data = document["data"]
        if data.get("resultType") in ("scalar", "string"):  # one [time, value] pair
            return Answer([{"metric": {}, "value": data["result"]}], None, seconds)
        return Answer(list(data["result"]), None, seconds)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
