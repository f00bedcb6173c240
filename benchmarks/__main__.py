"""`python -m benchmarks`: render cost, the worst uploads, a publish by site size, a publish's latency, cold starts,
a build, builds beside Hugo and Pelican, dev servers, concurrent invocations interleaved, a failure at every AWS
call."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.corpus import NOW, markdown, write_pressroom
from benchmarks.devserver import bench_dev
from benchmarks.latency import bench_cold_start, bench_latency
from benchmarks.sidebyside import bench_side_by_side
from benchmarks.worst import bench_worst

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("render", "worst", "publish", "latency", "coldstart", "build", "compare", "dev", "interleavings", "faults")


def bench_render(count: int) -> dict[str, float]:
    """CPU time to parse, sanitize and render one article page (pure library, no AWS)."""
    from pressroom import render
    from pressroom.content import parse_article
    from pressroom.model import Post
    from pressroom.site import Site

    site, theme = Site(), render.load_theme()
    recent = [Post(slug=f"r{i}", title=f"Recent {i}", date=NOW) for i in range(5)]
    samples = []
    for i in range(count):
        data = markdown(f"Story {i}", NOW, ["port", "council"])
        start = time.process_time()
        article = parse_article(f"articles/story-{i}.md", data, site).dated(NOW)
        render.article_page(theme, site, article, recent)
        samples.append(time.process_time() - start)
    return {"articles": count, "ms per article (median)": statistics.median(samples) * 1000,
            "ms per article (p95)": sorted(samples)[int(len(samples) * 0.95)] * 1000}


def _seed(stack, count: int) -> None:
    from pressroom.index import PostsIndex, SourceState
    from pressroom.model import Post

    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    for i in range(count):
        post = Post(slug=f"seed-{i}", title=f"Seeded {i}", date=datetime(2018, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i),
                    summary="Seeded.", tags=("port", f"topic-{i % 20}"), source_key=f"articles/seed-{i}.md")
        state = SourceState(post.source_key, status="published", slug=post.slug, first_published=post.date.isoformat())
        index.commit(state, expected_sequencer=None, new=post)
    stack.skip_stream()


@dataclass(frozen=True)
class Publish:
    """One publish into a site of `posts` posts: median wall time, AWS calls by operation."""

    posts: int
    seconds: float
    calls: dict[str, float]

    def row(self) -> dict[str, float]:
        return {"posts in site": self.posts, "publish s (median, local)": self.seconds,
                "AWS calls per publish": sum(self.calls.values())}


def bench_publish(sizes: list[int], repeats: int) -> list[Publish]:
    """Wall time and AWS calls of one publish (render + index functions) into sites of each size."""
    import botocore.client

    from pressroom.local import Function, Stack

    rows = []
    with Stack(root=ROOT, now=NOW) as stack:
        for size in sizes:
            stack.reset()
            _seed(stack, size)
            stack.upload("articles/warm.md", markdown("Warm-up", NOW - timedelta(days=1), ["port"]))
            calls: Counter = Counter()
            real_call, real_invoke = botocore.client.BaseClient._make_api_call, Function.invoke
            depth = [0]

            def counting_call(self, operation, params, _real=real_call, _depth=depth, _calls=calls):
                if _depth[0]:
                    _calls[operation] += 1
                return _real(self, operation, params)

            def counting_invoke(self, event, _real=real_invoke, _depth=depth):
                _depth[0] += 1
                try:
                    return _real(self, event)
                finally:
                    _depth[0] -= 1

            botocore.client.BaseClient._make_api_call, Function.invoke = counting_call, counting_invoke
            try:
                times = []
                for r in range(repeats):
                    start = time.perf_counter()
                    stack.upload(f"articles/new-{r}.md", markdown(f"New {r}", NOW - timedelta(hours=r), ["port", "topic-3"]))
                    times.append(time.perf_counter() - start)
            finally:
                botocore.client.BaseClient._make_api_call, Function.invoke = real_call, real_invoke
            per_publish = {op: n / repeats for op, n in sorted(calls.items())}
            rows.append(Publish(size, statistics.median(times), per_publish))
    return rows


def report_publish(rows: list[Publish]) -> None:
    """Each size's figures, then the largest site against the smallest: time ratio, whether the calls match."""
    for row in rows:
        print("publish:", row.row())
    if len(rows) < 2:
        return
    small, large = rows[0], rows[-1]
    print(f"  publish time at {large.posts:,} posts / at {small.posts:,}: {large.seconds / small.seconds:.2f}x"
          "   goal <= 1.5x")
    same = large.calls == small.calls
    print(f"  AWS calls per publish, by operation: {'equal' if same else 'not equal'} "
          f"({sum(large.calls.values()):g} vs {sum(small.calls.values()):g})   goal: equal")
    if not same:
        ops = sorted(set(large.calls) | set(small.calls))
        differ = {op: (small.calls.get(op, 0), large.calls.get(op, 0)) for op in ops
                  if small.calls.get(op) != large.calls.get(op)}
        print(f"    operations that differ (at {small.posts:,}, at {large.posts:,}): {differ}")


def bench_build(count: int) -> dict[str, float]:
    """`pressroom build` of a content folder of `count` articles (local stack start included)."""
    from click.testing import CliRunner

    from pressroom.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        content = write_pressroom(Path(tmp) / "content", count)
        start = time.perf_counter()
        result = CliRunner().invoke(main, ["build", str(content), "--out", str(Path(tmp) / "out"),
                                           "--now", NOW.isoformat()], catch_exceptions=False)
        seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    return {"articles": count, "seconds": seconds, "articles per second": count / seconds}


def bench_interleavings(walks: int) -> None:
    """Every interleaving scenario of tests/pipeline/test_interleavings.py: each single switch at a write, then
    `walks` seeded walks; prints the walks explored and those that diverged, with what replays them."""
    from pressroom.local import Stack
    from tests.conftest import NOW as TEST_NOW
    from tests.pipeline.test_interleavings import KNOWN, SCENARIOS, explore

    with Stack(root=ROOT, now=TEST_NOW) as stack:
        for name in sorted(SCENARIOS):
            outcome = explore(stack, name, list(range(walks)))
            print("interleavings:", outcome.summary(), "(known bug)" if name in KNOWN else "", flush=True)
            for walk, _ in outcome.diverged[:3]:
                print(f"  diverged: {walk.schedule}")


def bench_faults() -> None:
    """Every scenario of tests/pipeline/test_faults.py with a failure at every AWS call, before it takes effect
    and after (the tests fail a sample): prints the calls, the faulty runs and those that did not converge."""
    from pressroom.local import Stack
    from tests.conftest import NOW as TEST_NOW
    from tests.pipeline.test_faults import SCENARIOS, wrong_calls

    with Stack(root=ROOT, now=TEST_NOW) as stack:
        for name in sorted(SCENARIOS):
            started = time.perf_counter()
            calls, runs, wrong = wrong_calls(stack, name, every=True)
            print(f"faults: {name}: {calls} calls, {runs} faulty runs, {len(wrong)} did not converge "
                  f"({time.perf_counter() - started:.1f} s)", flush=True)
            for at, side, fired in wrong[:3]:
                print(f"  wrong: call {at} ({fired}) failed {side} it took effect")


def sizes(text: str) -> list[int]:
    """The --sizes option: comma-separated article counts."""
    try:
        found = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of article counts") from None
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError("article counts are whole numbers from 1")
    return found


def byte_compiled() -> None:
    """Compile the pressroom package and the handlers to bytecode first, as an installed package ships them: a
    checkout just edited, or run with PYTHONDONTWRITEBYTECODE set, would otherwise compile its changed modules
    again in every process measured (tens of milliseconds of a build's start and of a cold start)."""
    import compileall

    for folder in (ROOT / "layers" / "pressroom" / "pressroom", ROOT / "functions"):
        compileall.compile_dir(folder, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="smaller samples, one publish a size, side-by-side builds at 2,000 articles only, "
                             "one launch of each dev server")
    parser.add_argument("--sizes", type=sizes, metavar="N[,N...]",
                        help="article counts of the side-by-side builds (default 2000,10000; --quick: 2000)")
    parser.add_argument("--repeats", type=int, default=3, metavar="N",
                        help="side-by-side runs per tool up to 2,000 articles, the best counts (default 3; "
                             "larger sizes run once); also the dev servers' launches and the builds a site.yaml edit "
                             "is compared with")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="per side-by-side run (default 300 up to 2,000 articles, 900 above); "
                             "per wait on a dev server (default 600)")
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)}); may be repeated")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    only = set(args.only or SECTIONS)
    byte_compiled()
    if "render" in only:
        print("render (pure):", bench_render(50 if args.quick else 300), flush=True)
    if "worst" in only:
        bench_worst()
    if "publish" in only:
        report_publish(bench_publish([10, 2000], repeats=1 if args.quick else 7))
    if "latency" in only:
        bench_latency(repeats=1 if args.quick else 3)
    if "coldstart" in only:
        bench_cold_start(3 if args.quick else 7)
    if "build" in only:
        print("build:", bench_build(20 if args.quick else 200), flush=True)
    if "compare" in only:
        bench_side_by_side(args.sizes or ([2000] if args.quick else [2000, 10000]), max(args.repeats, 1),
                           args.timeout)
    if "dev" in only:
        bench_dev(1 if args.quick else max(args.repeats, 1), max(args.repeats, 1), args.timeout)
    if "interleavings" in only:
        # PRESSROOM_INTERLEAVINGS sets the seeded walks a scenario, as for the test
        bench_interleavings(int(os.environ.get("PRESSROOM_INTERLEAVINGS", "") or (10 if args.quick else 100)))
    if "faults" in only:
        bench_faults()
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
