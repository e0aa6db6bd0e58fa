"""The consumers' lag gauges at a scrape: the live consumers' only."""

from __future__ import annotations

from shared.metrics import ServiceMetrics


def _value(metrics: ServiceMetrics, name: str, durable: str) -> float | None:
    return metrics.registry.get_sample_value(name, {"consumer": durable})


def test_a_consumer_no_longer_live_leaves_the_gauges() -> None:
    metrics = ServiceMetrics("reporting")
    metrics.consumers_seen([("reporting-religion__g1", 0.4, 12),
                            ("reporting-dialogue__g1", 75.0, None)])
    assert _value(metrics, "danvan_consumer_fetch_age_seconds", "reporting-religion__g1") == 0.4
    assert _value(metrics, "danvan_consumer_pending", "reporting-religion__g1") == 12
    assert _value(metrics, "danvan_consumer_fetch_age_seconds", "reporting-dialogue__g1") == 75
    # No delivery yet: no pending figure rather than a made-up 0.
    assert _value(metrics, "danvan_consumer_pending", "reporting-dialogue__g1") is None

    # A rebuild switched generation 2 in: generation 1's consumers stopped.
    metrics.consumers_seen([("reporting-religion__g2", 0.1, 0)])
    assert _value(metrics, "danvan_consumer_fetch_age_seconds", "reporting-religion__g1") is None
    assert _value(metrics, "danvan_consumer_pending", "reporting-religion__g1") is None
    assert _value(metrics, "danvan_consumer_fetch_age_seconds", "reporting-dialogue__g1") is None
    assert _value(metrics, "danvan_consumer_pending", "reporting-religion__g2") == 0
