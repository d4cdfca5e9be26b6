"""`invoke bench --growth`: its rows and tables (the figures themselves are a benchmark's)."""

from __future__ import annotations

from leaky_dashboards import growth
from leaky_dashboards.verify.querybench import Load, Measured


def test_one_dashboard_is_evaluated_but_not_built_since_the_alerts_link_all_four() -> None:
    [row] = growth.dashboards_growth((1,))
    assert row.dashboards == 1 and row.evaluation > 0
    assert (row.cold, row.warm, row.rss_bytes) == (None, None, None)
    assert growth.dashboards_table([row])[-1].startswith("| 1 | ")
    assert growth.dashboards_table([row])[-1].endswith("| — | — | — |")


def test_the_users_table_has_a_row_per_user_count_with_each_dashboards_load() -> None:
    loads = [Load("💼 Business Metrics", 20, 0.25, "Top users › A", 0.05, 0.2)]
    rows = [
        Measured(loads, 10, 7000, 40_000_000, 300 * 2**20, 95.0),
        Measured(loads, 10_000, 60_000, 300_000_000, 900 * 2**20, 1200.0),
    ]
    table = growth.users_table(rows)
    assert "(💼 Business Metrics)" in table[0]
    assert table[2] == "| 10 | 7,000 | 40,000,000 | 95.00 s | 0.25 s | 0.20 s | 300 MiB |"
    assert table[3].startswith("| 10,000 | 60,000 | 300,000,000 |")


def test_a_process_cpu_time_is_read_from_proc_and_unknown_for_no_process() -> None:
    import os

    from leaky_dashboards.verify.querybench import cpu_seconds

    before = cpu_seconds(os.getpid())
    total = 0
    while cpu_seconds(os.getpid()) <= before:  # work until the clock ticks
        total += sum(range(10_000))
    assert total > 0 and cpu_seconds(os.getpid()) > before > 0
    assert cpu_seconds(2**22 + 1) == 0.0  # above Linux's largest pid
