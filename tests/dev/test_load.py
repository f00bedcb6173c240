"""Load: 200 publishes, edits and deletes from 8 writers at once through `pressroom dev`'s AWS endpoint."""

from __future__ import annotations

import io
import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.config import Config as BotoConfig
from rich.console import Console

from pressroom.cli.dev import DevSession
from tests.conftest import article

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 8
OPERATIONS = 200
SECONDS = 60  # the whole run, writes and delivery, is bounded
FIRST_DAY = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, whatever the proxy settings

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning"),  # moto's CloudFormation
]


def get(url: str) -> tuple[int, str]:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevSession]:
    folder = tmp_path_factory.mktemp("load") / "site"
    (folder / "articles").mkdir(parents=True)
    (folder / "site.yaml").write_text("name: Load Test Tribune\nbase_url: https://load.example.org\n"
                                      "posts_per_page: 10\n")
    with DevSession(folder, port=0, root=ROOT, console=Console(file=io.StringIO()), watch=False) as session:
        yield session


class Newsroom:
    """What the writers did, key by key: the final title of each article still there, None for one deleted."""

    def __init__(self) -> None:
        self.final: dict[str, str | None] = {}
        self.dates: dict[str, datetime] = {}
        self.lock = threading.Lock()

    def writer(self, number: int, operations: int, s3: object, bucket: str) -> None:
        """One writer's day: new articles, edits of its own and deletions, in a random but repeatable order."""
        chance = random.Random(number)
        live: list[str] = []
        made = 0
        for step in range(operations):
            roll = chance.random()
            if not live or roll < 0.45:
                key = f"articles/w{number}-{made}.md"
                made += 1
                when = FIRST_DAY + timedelta(hours=number * 1000 + made)  # every article its own instant
                title = f"Writer {number} story {made} v0"
                with self.lock:
                    self.dates[key] = when
                live.append(key)
            elif roll < 0.8:
                key = chance.choice(live)
                when = self.dates[key]
                title = f"Writer {number} story {key.split('-')[-1][:-3]} v{step}"
            else:
                key = live.pop(chance.randrange(len(live)))
                s3.delete_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
                with self.lock:
                    self.final[key] = None
                continue
            s3.put_object(Bucket=bucket, Key=key,  # type: ignore[attr-defined]
                          Body=article(title, when.isoformat(), body=f"Filed by writer {number} at step {step}."))
            with self.lock:
                self.final[key] = title

    def published(self) -> list[tuple[str, str]]:
        """(slug, title) of every article online at the end, newest first."""
        online = [(key, title) for key, title in self.final.items() if title is not None]
        online.sort(key=lambda item: self.dates[item[0]], reverse=True)
        return [(key.removeprefix("articles/").removesuffix(".md"), title) for key, title in online]


def test_concurrent_writers_lose_nothing_and_leave_consistent_listings(dev: DevSession) -> None:
    # given: eight writers with their own clients of the stack's endpoint, as a newsroom's tools would be
    stack, delivery = dev.stack, dev.delivery
    assert stack is not None and delivery is not None and stack.endpoint_url
    started = time.monotonic()
    newsroom = Newsroom()

    def client() -> object:
        return boto3.session.Session().client(
            "s3", endpoint_url=stack.endpoint_url, region_name="us-east-1", aws_access_key_id="any",
            aws_secret_access_key="any", config=BotoConfig(retries={"max_attempts": 10, "mode": "standard"}))

    # when: 200 publishes, edits and deletes are made at once while the dev server delivers their events
    with ThreadPoolExecutor(WRITERS) as pool:
        done = [pool.submit(newsroom.writer, n, OPERATIONS // WRITERS, client(), stack.content_bucket)
                for n in range(WRITERS)]
        for future in done:
            future.result(timeout=SECONDS)
    # and: the dev server has delivered everything (its round ends, then what is left is delivered here)
    with delivery.paused():
        stack.settle()
    seconds = time.monotonic() - started
    assert seconds < SECONDS, f"the load took {seconds:.0f} s"

    # then: nothing is lost: each article there is online at its URL with its final title ...
    expected = newsroom.published()
    assert len(newsroom.final) > WRITERS and len(expected) < len(newsroom.final)  # some of each happened
    base = dev.preview_url
    wrong = {}
    for key, title in newsroom.final.items():
        slug = key.removeprefix("articles/").removesuffix(".md")
        status, page = get(f"{base}posts/{slug}/")
        if title is None and status not in (404, 410):  # 410 once published, 404 if never
            wrong[key] = f"deleted, but answers {status}"
        elif title is not None and (status != 200 or f"<h1>{title}</h1>" not in page):
            shown = re.findall(r"<h1[^>]*>([^<]*)", page)
            wrong[key] = f"should show {title!r}, answers {status} with {shown}"
    assert not wrong, wrong
    # ... and no report says otherwise
    failed = {key: (stack.report(key) or {}).get("status") for key, title in newsroom.final.items() if title}
    assert all(status == "published" for status in failed.values()), failed
    assert not stack.dead_letters

    # and: the listings name exactly the published posts, newest first, as many as each shows
    status, recent = get(base + "recent.json")
    assert status == 200
    assert [(p["url"], p["title"]) for p in json.loads(recent)["posts"]] == \
        [(f"/posts/{slug}/", title) for slug, title in expected[:5]]
    status, feed = get(base + "feed.json")
    assert status == 200
    assert [item["title"] for item in json.loads(feed)["items"]] == [title for _, title in expected[:20]]
    status, home = get(base)
    assert status == 200
    linked = list(dict.fromkeys(re.findall(r'href="/posts/([^/"]+)/"', home)))
    assert linked == [slug for slug, _ in expected[:10]]
    status, sitemap_index = get(base + "sitemap.xml")
    assert status == 200
    in_sitemap: set[str] = set()
    for part in re.findall(r"<loc>https://load\.example\.org/([^<]+)</loc>", sitemap_index):
        status, sitemap = get(base + part)
        assert status == 200, part
        in_sitemap |= set(re.findall(r"<loc>https://load\.example\.org/posts/([^/<]+)/</loc>", sitemap))
    assert in_sitemap == {slug for slug, _ in expected}
