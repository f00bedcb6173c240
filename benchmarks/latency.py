"""Latency: one publish into a 1,000-post site with a fixed delay at every AWS call (each function's wall time
and its sequential round trips), and cold starts of each handler in fresh interpreters beside a bare boto3."""

from __future__ import annotations

import statistics
from datetime import timedelta
from pathlib import Path

from benchmarks.corpus import NOW, markdown

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"RenderFunction": (8, 0.25), "IndexFunction": (6, 0.2)}  # round trips, seconds at 20 ms a call


def _seeded_site(stack, posts: int) -> None:
    """`posts` posts in the table, site settings accepted, one warm-up publish (as a site in use)."""
    from benchmarks.__main__ import _seed
    from pressroom.site import Site

    _seed(stack, posts)
    stack.services().store_site(Site())
    stack.skip_stream()
    stack.upload("articles/warm.md", markdown("Warm-up", NOW - timedelta(days=1), ["port"]))


def bench_latency(posts: int = 1000, delay: float = 0.02, repeats: int = 3) -> None:
    """Each function of one publish: wall time and sequential round trips, median of `repeats` publishes."""
    from pressroom.local import Stack
    from pressroom.local.latency import latency

    with Stack(root=ROOT, now=NOW) as stack:
        _seeded_site(stack, posts)
        rows: dict[str, list[tuple[float, int, int]]] = {}
        for r in range(repeats):
            with latency(delay) as log:
                stack.upload(f"articles/latency-{r}.md",
                             markdown(f"Latency {r}", NOW - timedelta(hours=r + 1), ["port", "topic-3"]))
            for invocation in log.invocations:
                rows.setdefault(invocation.function, []).append(
                    (invocation.seconds, log.sequential_round_trips(invocation), len(log.calls_of(invocation))))
    print(f"latency: one publish into a {posts:,}-post site, {delay * 1000:.0f} ms per AWS call "
          f"(median of {repeats})", flush=True)
    for function, found in sorted(rows.items(), key=lambda item: item[0] != "RenderFunction"):
        seconds = statistics.median(s for s, _, _ in found)
        trips = statistics.median(t for _, t, _ in found)
        calls = statistics.median(c for _, _, c in found)
        goal_trips, goal_seconds = GOALS.get(function, (0, 0.0))
        print(f"  {function}: {seconds:.3f} s, {trips:g} sequential round trips, {calls:g} calls"
              f"   goal <= {goal_trips} round trips, <= {goal_seconds} s", flush=True)


def bench_cold_start(runs: int = 7) -> None:
    """Each handler's import and first event (an article publish, its listings, a media upload), in a fresh
    interpreter with Lambda's environment, against a fresh `import boto3` creating the same clients; medians."""
    from pressroom import collect_less
    from pressroom.local import Stack
    from pressroom.local.lambda_process import boto3_baseline, captured, cold_start

    # this process hosts the moto server that stands in for AWS: like `pressroom dev`, it collects garbage
    # less often, so that no request of a function waits 10-20 ms behind a walk over moto's whole state
    collect_less()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    samples: dict[str, list] = {"render (article)": [], "render (media)": [], "index": []}
    baselines: dict[str, list] = {name: [] for name in samples}
    with Stack(root=ROOT, now=NOW, server_port=0) as stack:
        _seeded_site(stack, 50)
        render, index = stack.functions["RenderFunction"], stack.functions["IndexFunction"]

        def first(key: str, body: bytes):
            with captured(stack) as seen:
                stack.upload(key, body)
            (event,) = [e for f, e in seen if f == "RenderFunction"]
            return cold_start(render, event)

        for r in range(runs):
            run = first(f"articles/cold-{r}.md", markdown(f"Cold {r}", NOW - timedelta(hours=r + 1), ["port"]))
            samples["render (article)"].append(run)
            baselines["render (article)"].append(boto3_baseline(render, run.clients))
            with captured(stack) as seen:
                stack.settle()
            events = [e for f, e in seen if f == "IndexFunction"]
            run = cold_start(index, events[-1])
            samples["index"].append(run)
            baselines["index"].append(boto3_baseline(index, run.clients))
            run = first(f"media/cold-{r}.png", png)
            samples["render (media)"].append(run)
            baselines["render (media)"].append(boto3_baseline(render, run.clients))
    print(f"cold start: import + first event in a fresh interpreter (Lambda's environment, tracing on), against "
          f"import boto3 + the same clients; median of {runs}; the first event's AWS calls go to a local moto "
          "server", flush=True)
    for name, runs_of in samples.items():
        total = statistics.median(r.total_s for r in runs_of)
        imported = statistics.median(r.import_s for r in runs_of)
        cpu = statistics.median(r.cpu_s for r in runs_of)
        base = statistics.median(b.total_s for b in baselines[name])
        base_cpu = statistics.median(b.cpu_s for b in baselines[name])
        waited = statistics.median(r.aws_s for r in runs_of)
        calls = statistics.median(r.aws_calls for r in runs_of)
        clients = ", ".join(runs_of[0].clients)
        print(f"  {name}: {total * 1000:.0f} ms (import {imported * 1000:.0f} ms; CPU {cpu * 1000:.0f} ms; "
              f"{calls:g} AWS calls in flight for {waited * 1000:.0f} ms); "
              f"boto3 + {clients}: {base * 1000:.0f} ms (CPU {base_cpu * 1000:.0f} ms); "
              f"{total / base:.2f}x (CPU {cpu / base_cpu:.2f}x; {(total - waited) / base:.2f}x without the "
              "waits on AWS)   goal <= 1.5x", flush=True)
