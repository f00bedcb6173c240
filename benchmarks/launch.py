"""`python -I -S launch.py TIMEOUT REPORT COMMAND...`: run COMMAND; its time and peak memory go to REPORT."""

# A process's peak resident memory on Linux starts at what its parent had resident when it forked, so a tool
# started straight from the benchmark process would be charged with that process's hundreds of MB. This
# launcher is a small, fresh interpreter (standard library only, hence -I -S): what it starts is measured
# from about 10 MB.

import json
import os
import signal
import sys
import time


def main() -> None:
    timeout, report, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    stopped_by: list[int] = []
    start = time.perf_counter()
    # its own session, so the timeout stops whatever the command itself started too
    pid = os.posix_spawnp(argv[0], argv, os.environ, setsid=True)

    def stop(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    _, status, usage = os.wait4(pid, 0)  # retried after a handler runs, until the command is gone
    seconds = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    code = os.waitstatus_to_exitcode(status)
    with open(report, "w", encoding="utf-8") as out:
        json.dump({"seconds": seconds, "exit_code": code,
                   # KiB on Linux, bytes on macOS
                   "peak_bytes": usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024),
                   "timed_out": signal.SIGALRM in stopped_by and code == -signal.SIGKILL}, out)


if __name__ == "__main__":
    main()
