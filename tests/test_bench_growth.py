"""`invoke bench --growth`: its rows and tables (the figures themselves are a benchmark's)."""

from __future__ import annotations

from leaky_dashboards import growth
from leaky_dashboards.verify import querybench
from leaky_dashboards.verify.querybench import Load, Measured

from .conftest import Verified


def test_one_dashboard_is_evaluated_but_not_built_since_the_alerts_link_all_four() -> None:
    [row] = growth.dashboards_growth((1,))
    assert row.dashboards == 1 and row.evaluation > 0
    assert (row.cold, row.warm, row.rss_bytes) == (None, None, None)
    assert growth.dashboards_table([row])[-1].startswith("| 1 | ")
    assert growth.dashboards_table([row])[-1].endswith("| — | — | — | — |")


def test_the_users_table_has_a_row_per_user_count_with_each_dashboards_load() -> None:
    loads = [Load("💼 Business Metrics", 20, 0.25, "Top users › A", 0.05, 0.2)]
    rows = [
        Measured(loads, 10, 7000, 40_000_000, 300 * 2**20, 95.0),
        Measured(loads, 10_000, 60_000, 300_000_000, 900 * 2**20, 1200.0),
        Measured(loads, 1000, 12_000, 75_000_000, 80 * 2**20, 0.25, cached=True),
    ]
    table = growth.users_table(rows)
    assert "(💼 Business Metrics)" in table[0]
    assert table[2] == "| 10 | 7,000 | 40,000,000 | 95.00 s | 0.25 s | 0.20 s | 300 MiB |"
    assert table[3].startswith("| 10,000 | 60,000 | 300,000,000 | 1200.00 s | ")
    assert table[4].startswith("| 1,000 | 12,000 | 75,000,000 | 250 ms (raw data cached) | ")


def test_the_query_time_of_a_tree_counts_each_variant_as_its_original() -> None:
    from leaky_dashboards.project import Project

    dashboards = sorted(Project().dashboards, key=lambda d: d.source.name)
    assert len(dashboards) == 4
    # Each source's load a power of two: any miscount shows in the sum.
    loads = [Load(d.title, 1, 2.0**i, "p › A", 0.1) for i, d in enumerate(dashboards)]
    measured = Measured(loads, 1000, 1, 1, 1, 0.0)
    assert growth.query_seconds(1, measured, dashboards) == 1.0
    assert growth.query_seconds(4, measured, dashboards) == 15.0
    # 10: the four, then variants of the first, second, third, fourth, first and second.
    assert growth.query_seconds(10, measured, dashboards) == 2 * 15.0 + 1.0 + 2.0
    assert growth.query_seconds(1000, measured, dashboards) == 250 * 15.0
    [row] = growth.dashboards_table(
        [growth.DashboardGrowth(10, 0.5, 1.5, 0.25, 2**30)], measured, dashboards
    )[2:]
    assert row == "| 10 | 500 ms | 50 ms | 1.50 s | 250 ms | 1024 MiB | 33.00 s |"
    assert "(1,000 users)" in growth.dashboards_table([], measured, dashboards)[0]
    assert "(not measured)" in growth.dashboards_table([])[0]


def test_a_process_cpu_time_is_read_from_proc_and_unknown_for_no_process() -> None:
    import os

    from leaky_dashboards.verify.querybench import cpu_seconds

    before = cpu_seconds(os.getpid())
    total = 0
    while cpu_seconds(os.getpid()) <= before:  # work until the clock ticks
        total += sum(range(10_000))
    assert total > 0 and cpu_seconds(os.getpid()) > before > 0
    assert cpu_seconds(2**22 + 1) == 0.0  # above Linux's largest pid


def test_the_query_bench_loads_every_dashboard_of_the_busy_day_and_growth_tabulates_it(
    verified_full: Verified,
) -> None:
    """`invoke bench --queries` and the users' side of `--growth` on the data verify loaded: each
    dashboard's every visible target sent, the slowest named, the data's size as backfilled."""
    from leaky_dashboards.project import Project
    from leaky_dashboards.verify import evaluate, loaded, scenarios

    assert verified_full.code == 0, verified_full.out
    project = Project()
    said: list[str] = []
    measured = querybench.measure_all(project, repeat=1, echo=said.append)
    assert any("synthetic data" in line and "(cached)" in line for line in said), said
    dashboards = loaded.compiled_subject(project).dashboards
    window = evaluate.Window(end=scenarios.FULL.timeline.end)
    scrape = project.installation.scrape_interval
    assert [load.dashboard for load in measured.loads] == [d.title for d in dashboards]
    for load, dashboard in zip(measured.loads, dashboards, strict=True):
        sent = list(evaluate.targets(dashboard, window, scrape))
        assert load.queries == len(sent) > 0, dashboard.title
        assert f"{load.slowest}" in {f"{t.panel} › {t.ref_id}" for t in sent}
        assert 0 < load.slowest_seconds <= load.seconds, load
        assert load.cpu_seconds >= 0
    assert measured.users == scenarios.FULL.world.users
    assert measured.series > 10 * measured.users  # every user's counters, every bucket
    assert measured.samples > measured.series and measured.rss_bytes > 0

    printed: list[str] = []
    growth.run(repeat=1, echo=printed.append, users=(scenarios.FULL.world.users,), dashboards=())
    header, rule, row = printed[-3:]
    assert [d.title for d in dashboards] == header.split("(", 1)[1].split(")")[0].split(", ")
    assert rule.count("|") == header.count("|")
    assert row.startswith(f"| {measured.users:,} | {measured.series:,} | {measured.samples:,} |")
    assert row.count(" / ") == 2 * (len(dashboards) - 1)
    assert printed[-4] == row  # each row is printed as soon as it is measured
