"""The load benchmark's arithmetic: per-endpoint figures and the restart verdict."""

from __future__ import annotations

from benchmarks.bench_load import _met, _restart_figures, summarise_samples


def _samples():
    rows = []
    for i in range(100):
        rows.append(["/healthz", 10.0 + i % 10, 200, False, 1000.0 + i / 10])
        rows.append(["/", 100.0 + i, 200, False, 1000.0 + i / 10])
    rows.append(["POST /asks/new/", 50.0, 503, True, 1010.0])
    return rows


def test_figures_per_endpoint_with_ratio_to_healthz():
    """p95 is per endpoint, the ratio uses /healthz's p95, failures and 5xx count."""
    figures = summarise_samples(_samples())
    home, hello = figures["endpoints"]["/"], figures["endpoints"]["/healthz"]
    assert home["requests"] == 100
    assert home["p50_ms"] == 149.5
    assert 193 < home["p95_ms"] < 196
    assert home["ratio_p95_to_healthz"] == round(home["p95_ms"] / hello["p95_ms"], 2)
    assert figures["failures"] == 1
    assert figures["status_5xx"] == 1
    assert figures["endpoints"]["POST /asks/new/"]["statuses"] == {"503": 1}
    assert figures["requests_per_second"] == round(201 / 10.0, 2)


def _restart(statuses_down, statuses_after, missing=()):
    log = [(0.0, "write", 302, 1), (1.0, "write", 302, 2)]
    log += [(12.0 + i, "write", s, None) for i, s in enumerate(statuses_down)]
    log += [
        (30.0 + i, "write", s, 10 + i if s == 302 else None)
        for i, s in enumerate(statuses_after)
    ]
    return _restart_figures(
        log,
        down_started=10.0,
        down_at=11.0,
        up_started=20.0,
        up_at=29.0,
        check={"asks_acknowledged": 4, "asks_missing": list(missing)},
        logs={},
        load_seconds=1.0,
        added_middleware=False,
        processes_alive={"web": True, "worker": True},
    )


def test_restart_met_when_503_then_quick_recovery():
    restart = _restart([503, 503], [503, 302, 302])
    assert restart["statuses_while_down"] == {"503": 2}
    assert restart["recovered_within_seconds"] == 1.0
    met = _met({}, restart)
    assert all(met.values()), met


def test_restart_not_met_on_500_slow_recovery_or_lost_write():
    """Each failure of the restart targets shows as NOT met."""
    met = _met({}, _restart([500, 503], [302]))
    assert not met["restart_503_not_500_while_down"]
    slow = _restart([503], [503] * 12 + [302])
    assert slow["recovered_within_seconds"] == 12.0
    assert not _met({}, slow)["restart_recovers_within_10s"]
    lost = _met({}, _restart([503], [302], missing=[2]))
    assert not lost["restart_no_acknowledged_write_lost"]
