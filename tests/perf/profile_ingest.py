"""Where the server's time goes under the bench_ingest load: py-spy's top entries.

    pip install py-spy && python tests/perf/profile_ingest.py [SECONDS]

Runs ``leadbot serve`` (SQLite, Slack stand-in) under wrk with the
bench_ingest mix and samples it with ``py-spy --gil``: only the thread
holding the GIL is recorded, which is what bounds one instance (the event
loop and the writer thread share it; SQLite releases it while it works).
Prints the functions with the most samples of their own ("self") and the
leadbot functions with the most samples beneath them ("inclusive").
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.sandbox.server import FakeSlackServer
from tests.perf.ingest_load import (
    CONNECTIONS,
    document,
    process_cpu,
    run_wrk,
    serve_leadbot,
    write_requests,
)
from tests.support.servers import free_port

_LINE = re.compile(r":\d+\)$")
_OURS = re.compile(r"\((bot|storage|handlers)/")


def top_entries(samples: Path, count: int = 15) -> tuple[list[str], list[str]]:
    """(self, inclusive) lines from py-spy's raw output: "frame;frame;… count" per line."""
    own: collections.Counter[str] = collections.Counter()
    under: collections.Counter[str] = collections.Counter()
    total = 0
    for line in samples.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        frames, weight = stack.split(";"), int(number)
        total += weight
        own[frames[-1]] += weight
        for frame in {_LINE.sub(")", f) for f in frames if _OURS.search(f)}:
            under[frame] += weight

    def show(counter: collections.Counter[str]) -> list[str]:
        return [f"{100 * n / total:5.1f}%  {k}" for k, n in counter.most_common(count)]

    return show(own), show(under)


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        work = Path(tmp)
        requests, samples = work / "requests.tsv", work / "samples.txt"
        write_requests(requests, 150_000, document)
        port = free_port()
        server = serve_leadbot(f"sqlite:///{work / 'profile.db'}", port, slack.api_url)
        try:
            recorder = subprocess.Popen(
                [spy, "record", "-p", str(server.pid), "--gil", "--nonblocking", "-r", "200",
                 "-f", "raw", "-o", str(samples), "-d", str(seconds + 2)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)
            cpu = process_cpu(server.pid)
            stats = run_wrk(port, requests, seconds=seconds, connections=CONNECTIONS)
            cpu = process_cpu(server.pid) - cpu
            recorder.wait()
        finally:
            server.terminate()
            server.wait()
        events = stats["requests"]
        rate = events / (stats["duration_us"] / 1e6)
        print(f"{rate:,.0f} events/s, p99 {stats['p99_us'] / 1000:.1f} ms, "
              f"CPU {cpu / events * 1e6:,.0f} µs/event")  # fmt: skip
        own, under = top_entries(samples)
        print("self:", *own, "inclusive (leadbot code):", *under, sep="\n")


if __name__ == "__main__":
    main()
