"""The synthetic platform's HTTP routes: scrapes and health checks beside every service's users."""

from __future__ import annotations

import math

import pytest

from leaky_dashboards.verify import shapes, synthetic

SERVICES = sorted(synthetic.PORTS)


def peak(service: str) -> float:
    return synthetic.HTTP_RATE.get(service, synthetic.DEFAULT_HTTP_RATE)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_scraped_every_15s_and_health_checked(service: str) -> None:
    """Requests per second at the daily peak: route share × the service's peak rate."""
    by_uri = {r.uri: r for r in shapes.routes(service) if r.uri.startswith("/actuator")}
    assert set(by_uri) == {"/actuator/prometheus", "/actuator/health"}
    for route in by_uri.values():
        assert (route.method, route.status, route.outcome) == ("GET", "200", "SUCCESS")
    assert math.isclose(by_uri["/actuator/prometheus"].share * peak(service), 1 / 15)
    assert math.isclose(by_uri["/actuator/health"].share * peak(service), 1 / 10)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_users_besides_actuator(service: str) -> None:
    users = [r for r in shapes.routes(service) if not r.uri.startswith("/actuator")]
    served = sum(r.share for r in users if r.outcome == "SUCCESS") * peak(service)
    # Above the alerts' minimum user traffic (0.5/s) at the peak, so the HTTP alerts judge it.
    assert served > 0.5
    assert shapes.routes(service) is not shapes.DEFAULT_ROUTES


def test_plumbing_services_serve_their_real_routes() -> None:
    def uris(service: str) -> set[tuple[str, str]]:
        return {(r.method, r.uri) for r in shapes.routes(service)}

    assert ("GET", "/{application}/{profile}") in uris("config-server")
    assert {("PUT", "/eureka/apps/{appName}/{id}"), ("GET", "/eureka/apps/delta")} <= uris(
        "service-discovery"
    )
    assert ("POST", "/v1/chat/completions") in uris("openai-stub")


def test_the_statuses_the_contract_names_are_all_answered() -> None:
    """The metrics contract's `status` examples (200, 401, 429, 500) each label some route, and
    every outcome Spring gives a status class."""
    routes = [r for service in SERVICES for r in shapes.routes(service)]
    assert {"200", "401", "429", "500"} <= {r.status for r in routes}
    assert {"SUCCESS", "CLIENT_ERROR", "SERVER_ERROR", "REDIRECTION", "INFORMATIONAL"} <= {
        r.outcome for r in routes
    }
    wrong_key = [r for r in shapes.routes("api-gateway") if r.status == "401"]
    assert [(r.method, r.uri, r.outcome) for r in wrong_key] == [
        ("POST", "/api/v1/tokens/consume", "CLIENT_ERROR")
    ]
