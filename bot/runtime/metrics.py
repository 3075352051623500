"""Prometheus metrics for one application instance.

Each app gets its own registry, so several apps in one process (tests, the
benchmark's baseline) never mix their counts.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# the *_created series only double the output for no use in dashboards
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus_client


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.events_received = Counter(
            "leadbot_events_received",
            "Lead events received in valid, signed requests",
            ["source"],
            registry=self.registry,
        )
        self.events_accepted = Counter(
            "leadbot_events_accepted",
            "Lead events stored (new, not duplicates)",
            ["source"],
            registry=self.registry,
        )
        self.events_duplicate = Counter(
            "leadbot_events_duplicate",
            "Lead events recognised as redeliveries and not stored again",
            ["source"],
            registry=self.registry,
        )
        self.events_unmapped = Counter(
            "leadbot_events_unmapped",
            "Lead source events stored for audit only: they name no email or known alias",
            ["source"],
            registry=self.registry,
        )
        self.requests_rejected = Counter(
            "leadbot_webhook_requests_rejected",
            "Webhook requests refused, by reason",
            ["source", "reason"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "leadbot_webhook_request_seconds",
            "Webhook request latency, from first byte read to answer",
            ["source"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        #: set to read the writer's counter (its rate over wall time is how busy it is)
        self.writer_cpu_seconds = Gauge(
            "leadbot_writer_cpu_seconds",
            "CPU time the event writer thread has spent applying batches",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
