"""The real Prometheus: backfilled blocks load, the cache is reused, the server always stops."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

from leaky_dashboards import catalog
from leaky_dashboards.project import Project
from leaky_dashboards.verify import backfill, server, synthetic
from leaky_dashboards.verify.promapi import Client

SHORT = synthetic.Timeline(hours=1)


@pytest.fixture(scope="module")
def small_catalog() -> catalog.Catalog:
    """Three series names of the real catalog: enough to backfill and query in a second."""
    full = Project().library.catalog()
    keep = ("up", "gateway_rate_limit_total", "jvm_memory_max_bytes")
    metrics = {name: full.metrics[name] for name in keep}
    return catalog.Catalog(metrics, text=repr(sorted(metrics)))


def port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) == 0


def test_blocks_are_built_once_then_reused_from_the_cache(
    small_catalog: catalog.Catalog, tmp_path: Path
) -> None:
    first = backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT)
    second = backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT)
    assert not first.cached and second.cached
    assert first.directory == second.directory
    assert (first.series, first.samples) == (second.series, second.samples)
    assert any(p.is_dir() for p in first.directory.iterdir())


def test_a_run_finding_its_blocks_being_built_waits_for_them_and_builds_nothing(
    small_catalog: catalog.Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / backfill.cache_key(small_catalog, 1, SHORT)
    real_building, checked = backfill.building, threading.Event()

    def entering(entry: Path) -> object:  # the other run found no blocks and asks to build
        checked.set()
        return real_building(entry)

    monkeypatch.setattr(backfill, "building", entering)
    other: list[backfill.Blocks] = []
    with real_building(target):  # this run builds; the other starts meanwhile
        waiter = threading.Thread(
            target=lambda: other.append(backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT))
        )
        waiter.start()
        assert checked.wait(60)
        built = backfill._build(small_catalog, target, 1, SHORT, False, None)
    waiter.join(60)
    assert not built.cached
    assert [(b.directory, b.cached, b.samples) for b in other] == [(target, True, built.samples)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no lock file left


def test_the_cache_key_follows_catalog_seed_and_time_range(small_catalog: catalog.Catalog) -> None:
    key = backfill.cache_key(small_catalog, 1, SHORT)
    other_catalog = dataclasses.replace(small_catalog, text=small_catalog.text + " ")
    assert key == backfill.cache_key(small_catalog, 1, SHORT)
    assert key != backfill.cache_key(small_catalog, 2, SHORT)
    assert key != backfill.cache_key(other_catalog, 1, SHORT)
    assert key != backfill.cache_key(small_catalog, 1, synthetic.Timeline(hours=2))


def test_backfilled_series_are_queryable_at_the_anchor_and_the_server_stops_afterwards(
    small_catalog: catalog.Catalog, tmp_path: Path
) -> None:
    blocks = backfill.ensure_blocks(small_catalog, tmp_path / "cache", 1, SHORT)
    with server.running(lambda data: backfill.copy_blocks(blocks, data)) as prom:
        with urllib.request.urlopen(prom.url + "/-/ready") as response:
            assert response.status == 200
        answer = Client(prom.url).query("count(up)", synthetic.END)
        assert answer.error is None
        assert float(answer.result[0]["value"][1]) == len(
            synthetic.instances(list(small_catalog.metrics["up"].services), SHORT)
        )
        process = prom.process
    assert process.poll() is not None
    assert not port_open(prom.url)
    # The cached blocks are copied, never handed to the server.
    assert (blocks.directory / backfill.META_FILE).is_file()


def test_a_world_backfilled_in_many_shards_holds_every_series_and_sample_once(
    small_catalog: catalog.Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = len(SHORT.times())
    monkeypatch.setattr(backfill, "SHARD_SAMPLES", 3 * steps)  # three series a shard
    made = synthetic.generate(small_catalog, 1, SHORT)
    blocks = backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT)
    assert blocks.series == len(made) > 3 * 3
    assert blocks.samples == sum(int(s.present.sum()) for s in made)
    with server.running(lambda data: backfill.copy_blocks(blocks, data)) as prom:
        client = Client(prom.url)
        for name in small_catalog.metrics:
            answer = client.query(f"count(count_over_time({name}[2h]))", synthetic.END)
            assert float(answer.result[0]["value"][1]) == sum(s.name == name for s in made)
        samples = client.query("sum(count_over_time({__name__=~'.+'}[2h]))", synthetic.END)
        assert float(samples.result[0]["value"][1]) == blocks.samples


def test_the_server_is_stopped_when_the_run_fails(
    small_catalog: catalog.Catalog, tmp_path: Path
) -> None:
    blocks = backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT)
    with (
        pytest.raises(RuntimeError),
        server.running(lambda d: backfill.copy_blocks(blocks, d)) as prom,
    ):
        process = prom.process
        raise RuntimeError("boom")
    assert process.poll() is not None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_stops_the_server_and_ends_the_run_with_an_error(
    small_catalog: catalog.Catalog, tmp_path: Path, signum: signal.Signals
) -> None:
    blocks = backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT)
    before = signal.getsignal(signum)
    with (
        pytest.raises(server.Interrupted),
        server.running(lambda d: backfill.copy_blocks(blocks, d)) as prom,
    ):
        process = prom.process
        os.kill(os.getpid(), signum)
    assert process.poll() is not None
    assert signal.getsignal(signum) == before  # our handler is gone again


def test_ctrl_c_stops_the_server(small_catalog: catalog.Catalog, tmp_path: Path) -> None:
    blocks = backfill.ensure_blocks(small_catalog, tmp_path, 1, SHORT)
    with (
        pytest.raises(KeyboardInterrupt),
        server.running(lambda d: backfill.copy_blocks(blocks, d)) as prom,
    ):
        process = prom.process
        raise KeyboardInterrupt
    assert process.poll() is not None
