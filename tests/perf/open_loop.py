"""Open-loop load: requests go out on a fixed schedule whatever the answers.

A closed loop (wrk) at saturation measures queueing: each connection waits
for its answer before sending again, so a slow server is simply sent less.
Here request *i* is due at ``i / rate`` seconds and its latency is measured
from that moment, so time spent waiting for a free connection counts too
(no coordinated omission). Requests are pre-built bytes written to plain
keep-alive connections, so the client spends a few µs per request and the
schedule holds on a busy machine.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import uvloop

from tests.perf.ingest_load import LoadResult, peak_rss_mb

#: at most this many requests in flight (connections open)
CONNECTIONS = 256


def _requests(path: Path, host: str) -> list[bytes]:
    built = []
    for line in path.read_text().splitlines():
        msg_id, stamp, signature, body = line.split("\t", 3)
        data = body.encode()
        head = (
            f"POST /webhooks/generic HTTP/1.1\r\nhost: {host}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(data)}\r\n"
            f"webhook-id: {msg_id}\r\nwebhook-timestamp: {stamp}\r\n"
            f"webhook-signature: {signature}\r\n\r\n"
        )
        built.append(head.encode() + data)
    return built


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _attempt(
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
) -> int:
    """The answer's status, or 0 when the connection failed (it is closed then)."""
    try:
        return await _exchange(*connection, request)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        connection[1].close()
        return 0


async def _run(
    port: int, requests: list[bytes], rate: float, seconds: float
) -> tuple[list[float], int, float]:
    count = min(len(requests), int(rate * seconds))
    latencies: list[float] = []
    errors = 0
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    room = asyncio.Semaphore(CONNECTIONS)

    async def send(due: float, request: bytes) -> None:
        nonlocal errors
        async with room:
            status = 0
            while idle and not status:  # a kept-alive connection the server may have closed
                connection = idle.pop()
                status = await _attempt(connection, request)
            if not status:
                connection = await asyncio.open_connection("127.0.0.1", port)
                status = await _attempt(connection, request)
            if status:
                idle.append(connection)
            errors += not 200 <= status < 300
        latencies.append(time.perf_counter() - due)

    began = time.perf_counter()
    tasks = []
    for i in range(count):
        due = began + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(send(due, requests[i])))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    for _, writer in idle:
        writer.close()
    return latencies, errors, elapsed


def open_loop(
    pid: int, port: int, requests_file: Path, *, rate: float, seconds: float
) -> LoadResult:
    """Send the file's requests to the server on ``port`` at ``rate`` per second."""
    requests = _requests(requests_file, f"127.0.0.1:{port}")
    latencies, errors, elapsed = uvloop.run(_run(port, requests, rate, seconds))
    latencies.sort()
    return LoadResult(
        events_per_s=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors,
        peak_rss_mb=peak_rss_mb(pid),
    )
