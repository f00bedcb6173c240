"""`python -m benchmarks`: render throughput, the cost of one publish by site size, and a full build."""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PARAGRAPH = ("The harbour authority confirmed on Tuesday that the north quay will close for repairs, and "
             "traders said they had been given too little notice to move their stalls before the season. ")


def body(paragraphs: int = 8) -> str:
    return "\n\n".join(PARAGRAPH * 3 for _ in range(paragraphs))


def markdown(title: str, day: datetime, tags: list[str]) -> bytes:
    return (f"---\ntitle: {title}\ndate: {day.date().isoformat()}\ntags: [{', '.join(tags)}]\n---\n"
            f"{body()}\n").encode()


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


def bench_publish(sizes: list[int], repeats: int) -> list[dict[str, float]]:
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
            rows.append({"posts in site": size, "publish s (median, local)": statistics.median(times),
                         "AWS calls per publish": sum(calls.values()) / repeats})
    return rows


def bench_build(count: int) -> dict[str, float]:
    """`pressroom build` of a content folder of `count` articles (local stack start included)."""
    from click.testing import CliRunner

    from pressroom.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "articles").mkdir(parents=True)
        for i in range(count):
            day = NOW - timedelta(days=i)
            (content / "articles" / f"story-{i:05d}.md").write_bytes(markdown(f"Story {i}", day, ["port", f"t{i % 9}"]))
        start = time.perf_counter()
        result = CliRunner().invoke(main, ["build", str(content), "--out", str(Path(tmp) / "out"),
                                           "--now", NOW.isoformat()], catch_exceptions=False)
        seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    return {"articles": count, "seconds": seconds, "articles per second": count / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sizes = [10, 100] if args.quick else [10, 1000, 3000]
    print("render (pure):", bench_render(50 if args.quick else 300))
    for row in bench_publish(sizes, repeats=3):
        print("publish:", row)
    print("build:", bench_build(20 if args.quick else 200))
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
