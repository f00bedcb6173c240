"""Running `pressroom dev` as a reader's machine would: a separate process, its addresses read from its output."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90


@dataclass
class DevProcess:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    preview_url: str = ""
    endpoint_url: str = ""

    @property
    def output(self) -> str:
        return "".join(self.lines)


@contextmanager
def pressroom_dev(folder: Path, *args: str) -> Iterator[DevProcess]:
    """`pressroom dev FOLDER --port 0 ARGS` until its addresses are printed; SIGTERM when done (exit status 0)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    command = [sys.executable, "-c", "from pressroom.cli import main; main(prog_name='pressroom')",
               "dev", str(folder), "--port", "0", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    dev = DevProcess(process)
    received: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            received.put(line)

    def drain() -> None:
        while True:
            try:
                dev.lines.append(received.get_nowait())
            except queue.Empty:
                return

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not any(line.startswith("Ctrl-C") for line in dev.lines):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pressroom dev printed no addresses within {START_SECONDS} s:\n{dev.output}")
            try:
                dev.lines.append(received.get(timeout=0.5))
            except queue.Empty:
                continue
        preview = re.search(r"^preview\s+(http://127\.0\.0\.1:\d+/)", dev.output, re.MULTILINE)
        endpoint = re.search(r"^AWS endpoint\s+(http://127\.0\.0\.1:\d+)", dev.output, re.MULTILINE)
        assert preview and endpoint, dev.output
        dev.preview_url, dev.endpoint_url = preview.group(1), endpoint.group(1)
        yield dev
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        drain()
    assert process.returncode == 0, dev.output
