"""Shared pieces of the load benchmarks: servers as subprocesses, wrk, RSS."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.demo.client import signed_request
from tests.support.servers import start_server

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
LUA = Path(__file__).with_name("ingest_wrk.lua")


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
