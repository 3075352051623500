"""Shared pieces of the load benchmarks: servers as subprocesses, wrk, RSS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.demo.client import signed_request
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support.servers import start_server

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#: the Segment source's secret the benchmark server is given
SEGMENT_SECRET = "bench-segment-shared-secret"
LUA = Path(__file__).with_name("ingest_wrk.lua")

TITLES = ["VP Marketing", "CTO", "Student", "Head of Sales", "Engineer", "Director of IT"]
#: a realistic mix per 100 events: mostly page views, a demo or contact request now and then
ACTIVITY_MIX = (
    ["page_view"] * 60 + ["email_click"] * 10 + ["content_download"] * 8 + ["pricing_view"] * 8
    + ["ad_click"] * 6 + ["webinar"] * 4 + ["newsletter_signup"] * 2 + ["demo_request"]
    + ["contact_request"]
)  # fmt: skip

LEADS = int(os.environ.get("BENCH_LEADS", "3000"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))


def document(n: int) -> dict:
    """The n-th event of a stream where each of LEADS leads sends about ten events a run."""
    lead = (n * 7919) % LEADS
    return {
        "type": "lead.activity",
        "lead": {
            "email": f"lead{lead}@company{lead % 997}.example",
            "first_name": "Alex",
            "last_name": f"Tester{lead}",
            "job_title": TITLES[lead % len(TITLES)],
            "company": f"Company {lead % 997}",
            "country": ["DE", "US", "France", "GB"][lead % 4],
            "company_size": (lead * 37) % 5000,
        },
        "activity": {
            "type": ACTIVITY_MIX[(n * 2654435761) % len(ACTIVITY_MIX)],
            "properties": {"path": f"/p/{n % 50}"},
        },
    }


@dataclass
class LoadResult:
    events_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    peak_rss_mb: float

    def line(self) -> str:
        return (
            f"{self.events_per_s:,.0f} events/s, p50 {self.p50_ms:.1f} ms, "
            f"p99 {self.p99_ms:.1f} ms, errors {self.errors}, peak RSS {self.peak_rss_mb:.0f} MB"
        )


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """``command`` serving on ``port``, once it answers at all."""
    return start_server(command, env, f"http://127.0.0.1:{port}/", cwd=ROOT)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


#: one request to replay: path, headers, body
Request = tuple[str, dict[str, str], bytes]


def generic_request(n: int, document: dict) -> Request:
    """``document`` for ``POST /webhooks/generic``, signed with Standard Webhooks."""
    headers, body = signed_request(SECRET, document, msg_id=f"msg_{n}")
    return "/webhooks/generic", headers, body


def write_requests(path: Path, count: int, document_for, request=generic_request) -> None:  # type: ignore[no-untyped-def]
    """Pre-sign ``count`` distinct requests; wrk has no HMAC of its own.

    ``request(n, document)`` signs the n-th document for its route (the
    generic webhook by default, or a lead source's).
    """
    with path.open("w") as out:
        for n in range(count):
            route, headers, body = request(n, document_for(n))
            fields = [route, *(part for pair in headers.items() for part in pair), body.decode()]
            out.write("\t".join(fields) + "\n")


def run_wrk(
    port: int, requests_file: Path, *, seconds: int, connections: int, threads: int = 2
) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}/",
            "--",
            str(requests_file),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def measure(
    process: subprocess.Popen[bytes],
    port: int,
    requests_file: Path,
    *,
    seconds: int,
    connections: int,
) -> LoadResult:
    stats = run_wrk(port, requests_file, seconds=seconds, connections=connections)
    return LoadResult(
        events_per_s=stats["requests"] / (stats["duration_us"] / 1e6),
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        errors=stats["status_errors"] + stats["socket_errors"] + stats["timeouts"],
        peak_rss_mb=peak_rss_mb(process.pid),
    )


def python() -> str:
    return sys.executable


def process_cpu(pid: int) -> float:
    """CPU seconds a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_leadbot(url: str, port: int, slack_api_url: str):  # type: ignore[no-untyped-def]
    """The real server as in production: Slack is another process (here a stand-in)."""
    upgrade(make_engine(url))
    return start(
        [python(), "-m", "bot.cli.main", "serve", "--port", str(port)],
        {
            "LEADBOT_DATABASE_URL": url,
            "LEADBOT_WEBHOOK_SECRET": SECRET,
            "LEADBOT_SEGMENT_SECRET": SEGMENT_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-signing-secret",
            "LEADBOT_SLACK_API_URL": slack_api_url,
            "LEADBOT_LOG_LEVEL": "WARNING",
        },
        port,
    )
