"""Two or three invocations run at once, one AWS call at a time; after quiescence the stack holds what the same
changes produce delivered one after another, in some order.

Each scenario runs every schedule with one switch at a write (bounded systematic exploration), then seeded walks:
`PRESSROOM_INTERLEAVINGS=N` sets how many (CI runs a few; `make bench` runs many). A diverging walk is named by
its seed or its switch, and `PRESSROOM_INTERLEAVING_SEED=17` (or `='put a.md@3'`) replays that one alone.
"""

from __future__ import annotations

import copy
import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pressroom.local import Stack, _matches_filters
from tests.conftest import article
from tests.pipeline.helpers import counts_match_entries
from tests.pipeline.interleave import Actor, Chooser, Interleaver, Preempt, Priorities, RandomWalk, Walk
from tests.pipeline.test_faults import observed

CI_WALKS = 2  # seeded walks a scenario in CI, besides the systematic ones (a switch at each write)
WALKS = int(os.environ.get("PRESSROOM_INTERLEAVINGS", "") or CI_WALKS)
REPLAY = os.environ.get("PRESSROOM_INTERLEAVING_SEED", "")
DELIVERIES = 3  # an SQS message whose delivery failed comes back: each actor retries its own, up to this
STREAM_POLLS = 6  # reads of an empty stream before an index invocation gives up (the rest is left to settle)

Change = tuple[str, bytes | None]  # a put of the body, or a delete (None)


@dataclass(frozen=True)
class Scenario:
    """What is there before (run in order), the changes made to the content bucket, and what runs at once:
    each change's delivery, and the listing invocations named in `index`."""

    setup: Callable[[Stack], None]
    changes: tuple[Change, ...]
    index: tuple[str, ...] = ()  # "stream": the index function over the records there when it reads them;
    # "listing task": every listing page rendered, as a full rebuild's listing task does
    check: Callable[[Stack], None] | None = None  # what must hold besides equality with the ordered run


def _upload_all(*uploads: Change) -> Callable[[Stack], None]:
    def run(stack: Stack) -> None:
        for key, body in uploads:
            if body is None:
                stack.delete(key)
            else:
                stack.upload(key, body)

    return run


def _published(key: str, slug: str, title: str) -> Callable[[Stack], None]:
    def check(stack: Stack) -> None:
        assert (stack.report(key) or {}).get("status") == "published"
        assert f"<h1>{title}</h1>".encode() in (stack.site_object(f"posts/{slug}/index.html") or b"")

    return check


def _no_page(slug: str) -> Callable[[Stack], None]:
    def check(stack: Stack) -> None:
        from tests.pipeline.helpers import is_tombstone

        page = stack.site_object(f"posts/{slug}/index.html")
        assert page is None or is_tombstone(stack, f"posts/{slug}/index.html"), "an orphan page stayed online"

    return check


def _redirects(key: str, target: str) -> Callable[[Stack], None]:
    def check(stack: Stack) -> None:
        head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key=key)
        assert head.get("Metadata", {}).get("location") == target, head.get("Metadata")

    return check


def _both(*checks: Callable[[Stack], None]) -> Callable[[Stack], None]:
    def check(stack: Stack) -> None:
        for one in checks:
            one(stack)

    return check


SCENARIOS: dict[str, Scenario] = {
    # 1. the orphan page of a new version (at a new slug) must not stay online once the key is deleted
    "delete during a new version": Scenario(
        setup=_upload_all(("articles/a.md", article("A", "2026-03-05", tags=["port"]))),
        changes=(("articles/a.md", article("A, renamed", "2026-03-06", slug="renamed", tags=["council"])),
                 ("articles/a.md", None)),
        check=_both(_no_page("renamed"), _no_page("a")),
    ),
    # 2. B waits behind A at /posts/same/; A is edited and deleted: B ends published
    "owner edited and deleted, held article released": Scenario(
        setup=_upload_all(("articles/a.md", article("A", "2026-03-05", slug="same")),
                          ("articles/b.md", article("B", "2026-03-05", slug="same"))),
        changes=(("articles/a.md", article("A, edited", "2026-03-05", slug="same")), ("articles/a.md", None)),
        check=_published("articles/b.md", "same", "B"),
    ),
    # 3. A sorts first and takes B's slug while B moves to another month and tag
    "displacement during an edit": Scenario(
        setup=_upload_all(("articles/b.md", article("B", "2026-03-04", slug="same", tags=["port"]))),
        changes=(("articles/b.md", article("B, edited", "2026-02-04", slug="same", tags=["council"])),
                 ("articles/a.md", article("A", "2026-03-05", slug="same", tags=["port"]))),
        check=_both(counts_match_entries, _published("articles/a.md", "same", "A")),
    ),
    # 4. two listing invocations race an edit moving the only January post to February, under a new tag:
    # after quiescence every listing page is the render of the final table (January's pages are gone)
    "listings racing a commit": Scenario(
        setup=_upload_all(("articles/x.md", article("X", "2026-03-04", tags=["port"])),
                          ("articles/y.md", article("Y", "2026-01-20", tags=["council"]))),
        changes=(("articles/y.md", article("Y, moved", "2026-02-20", tags=["weather"])),),
        index=("stream", "listing task"),
        check=counts_match_entries,
    ),
    # 5. A owns the slug, B waits; A is deleted while B is re-uploaded: B is released, with its new version
    "owner deleted while the held article is re-uploaded": Scenario(
        setup=_upload_all(("articles/a.md", article("A", "2026-03-05", slug="same", tags=["port"])),
                          ("articles/b.md", article("B", "2026-03-05", slug="same", tags=["port"]))),
        changes=(("articles/a.md", None),
                 ("articles/b.md", article("B, edited", "2026-03-06", slug="same", tags=["council"]))),
        check=_both(counts_match_entries, _published("articles/b.md", "same", "B, edited")),
    ),
    # 5b. the same, with a third key that sorts first arriving at the slug: displacement and release at once
    "owner deleted, held article re-uploaded, a first-sorting key arrives": Scenario(
        setup=_upload_all(("articles/a.md", article("A", "2026-03-05", slug="same", tags=["port"])),
                          ("articles/b.md", article("B", "2026-03-05", slug="same", tags=["port"]))),
        changes=(("articles/a.md", None),
                 ("articles/b.md", article("B, edited", "2026-03-06", slug="same", tags=["council"])),
                 ("articles/0.md", article("Zero", "2026-03-07", slug="same", tags=["weather"]))),
        check=_both(counts_match_entries, _published("articles/0.md", "same", "Zero")),
    ),
    # 5c. a key that sorts first takes the URL while its owner is deleted: its page stays online
    "owner deleted while a first-sorting key takes its URL": Scenario(
        setup=_upload_all(("articles/a.md", article("A", "2026-03-05", slug="x", tags=["port"]))),
        changes=(("articles/a.md", None), ("articles/0.md", article("Zero", "2026-03-06", slug="x"))),
        check=_published("articles/0.md", "x", "Zero"),
    ),
    # 6. a moved story: the old file is deleted while the new file with the same id: publishes
    "moved story": Scenario(
        setup=_upload_all(("articles/fire.md", article("Harbour fire", "2026-03-02", id="fire-2026",
                                                       aliases=["/fire/"]))),
        changes=(("articles/fire.md", None),
                 ("articles/2026/fire-final.md", article("Harbour fire: the full story", "2026-03-02",
                                                         id="fire-2026"))),
        check=_published("articles/2026/fire-final.md", "fire-final", "Harbour fire: the full story"),
    ),
    # 7. an alias waits behind another article's post; the post is deleted while the alias's article is edited:
    # the URL redirects to the edited article
    "alias given back while its article is edited": Scenario(
        setup=_upload_all(("articles/c.md", article("Taker", "2026-03-04", slug="same")),
                          ("articles/a.md", article("A", "2026-03-05", aliases=["/posts/same/"]))),
        changes=(("articles/c.md", None), ("articles/a.md", article("A, edited", "2026-03-06",
                                                                    aliases=["/posts/same/"]))),
        check=_both(_redirects("posts/same/index.html", "/posts/a/"), _published("articles/a.md", "a", "A, edited")),
    ),
    # 7b. an article naming a URL as its alias and an article published at that URL arrive at once: the post
    # keeps its URL whichever write comes last, and the alias's article ends told, as in either serial order
    "alias and post at one URL at once": Scenario(
        setup=_upload_all(("articles/x.md", article("X", "2026-03-01"))),
        changes=(("articles/a.md", article("A", "2026-03-05", aliases=["/posts/same/"])),
                 ("articles/c.md", article("Taker", "2026-03-06", slug="same"))),
        check=_published("articles/c.md", "same", "Taker"),
    ),
}


# --- running a scenario -----------------------------------------------------------------------------------


def _prepare(stack: Stack, scenario: Scenario) -> list[str]:
    """The setup run in order, then the changes made; returns their events, in S3's order."""
    stack.reset()
    scenario.setup(stack)
    s3 = stack.client("s3")
    for key, body in scenario.changes:
        if body is None:
            s3.delete_object(Bucket=stack.content_bucket, Key=key)
        else:
            s3.put_object(Bucket=stack.content_bucket, Key=key, Body=body)
    events = stack.take_events()
    assert len(events) == len(scenario.changes)
    return events


def _delivery(stack: Stack, body: str) -> Actor:
    """The render function on one message, delivered again (as SQS would) while it fails."""
    def run() -> int:
        for attempt in range(1, DELIVERIES + 1):
            if not stack.deliver([body]).get("batchItemFailures"):
                return attempt
        raise AssertionError(f"the message failed on each of {DELIVERIES} deliveries")

    return run


def _stream_invocation(stack: Stack, publishing: Callable[[], bool]) -> Actor:
    """The index function over the stream records there when it reads them, as Lambda's poller hands them
    over, reading again while the publish runs."""
    assert stack.template is not None
    mapping = next(m for m in stack.template.mappings if m.kind == "DynamoDB")
    index = stack.functions[mapping.function]

    def run() -> int:
        batches = empty = 0
        while empty < STREAM_POLLS:
            records = [r for r in stack._read_stream(mapping.source) if _matches_filters(r, mapping.filters)]
            for start in range(0, len(records), mapping.batch_size):
                index.invoke({"Records": records[start : start + mapping.batch_size]})
                batches += 1
            if not records:
                if not publishing():
                    break
                empty += 1
        return batches

    return run


def _listing_task(stack: Stack) -> Actor:
    def run() -> list[str]:
        from pressroom.publish import listings_for

        return listings_for(stack.services()).rebuild_all()

    return run


def actor_names(scenario: Scenario) -> list[str]:
    """The actors of a scenario: one delivery per change ("put y.md", "delete a.md"), then its index ones."""
    changes = [f"{'delete' if body is None else 'put'} {key.removeprefix('articles/')}" for key, body in scenario.changes]
    return [*changes, *scenario.index]


def _actors(stack: Stack, scenario: Scenario, events: list[str]) -> dict[str, Actor]:
    names = actor_names(scenario)
    running = set(names[: len(events)])

    def delivering(name: str, body: str) -> Actor:
        deliver = _delivery(stack, body)

        def run() -> Any:
            try:
                return deliver()
            finally:
                running.discard(name)

        return run

    actors = {name: delivering(name, body) for name, body in zip(names, events, strict=False)}
    for kind in scenario.index:
        actors[kind] = _stream_invocation(stack, lambda: bool(running)) if kind == "stream" else _listing_task(stack)
    return actors


def state(stack: Stack) -> tuple[Any, ...]:
    """What the stack shows (`observed`), less two things the path decides and no reader can tell apart:

    - a counter at zero is taken as no counter: a month or tag-year whose last post left keeps its counter at
      0 or never had one, depending on the order of the changes, and `months`/`tag_years` treat both alike;
    - a held key's "effects carried out": its state is committed by whichever invocation last decided it (its
      own delivery, or the displacement by another key, which leaves the marker as it was), and for a held
      key the marker only decides whether a duplicate of its event re-runs, which changes nothing.
    """
    table, *rest = observed(stack)
    kept = {}
    for (pk, sk), item in table.items():
        if pk == "COUNT" and int(item.get("n", 0)) == 0:
            continue
        if pk.startswith("SRC#") and item.get("status") == "held":
            item = {k: v for k, v in item.items() if k != "effects carried out"}
        kept[(pk, sk)] = item
    return (kept, *rest)


def in_order(stack: Stack, scenario: Scenario, order: tuple[int, ...] | None = None) -> tuple[Any, ...]:
    """The stack after the scenario's changes delivered one after another (in S3's order unless `order` says
    otherwise), each settled before the next, then its listing invocations run."""
    events = _prepare(stack, scenario)
    for i in order if order is not None else range(len(events)):
        stack.deliver([events[i]])
        stack.settle()
    for kind in scenario.index:
        if kind == "listing task":
            _listing_task(stack)()
        stack.settle()
    return state(stack)


def serial_outcomes(stack: Stack, scenario: Scenario) -> list[tuple[Any, ...]]:
    """The end state of every order the changes can be delivered in one after another, S3's order first.

    SQS hands messages over in any order, so each of these is an end state the pipeline may reach; for one
    key they are all the same (the newest version wins), for several keys the reports may tell the path (a
    post displaced says the URL "now belongs" to the winner, one that arrived behind it that it "belongs").
    An interleaving must end in one of them.
    """
    found: list[tuple[Any, ...]] = []
    for order in itertools.permutations(range(len(scenario.changes))):
        end = in_order(stack, scenario, order)
        if scenario.check is not None:
            scenario.check(stack)
        if end not in found:
            found.append(end)
    return found


@dataclass
class Outcome:
    """The walks of one scenario: how many ran, and each that ended elsewhere than every serial order."""

    name: str
    walks: int = 0
    calls: int = 0
    seconds: float = 0.0
    diverged: list[tuple[Walk, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.name}: {self.walks} walks, {self.calls / max(self.walks, 1):.0f} calls a walk, "
                f"{len(self.diverged)} diverged, {self.seconds:.1f} s")

    def report(self) -> str:
        lines = [self.summary()]
        for walk, why in self.diverged[:5]:
            lines += [f"  {walk.describe()}", f"    {why}"]
        lines.append("  replay one with PRESSROOM_INTERLEAVING_SEED=<seed> or ='<victim>@<write>'")
        return "\n".join(lines)


def seeded(seed: int, names: list[str], expected_steps: int) -> Chooser:
    """Even seeds walk uniformly, odd ones by priorities."""
    if seed % 2 == 0:
        return RandomWalk(seed)
    return Priorities(seed, names, expected_steps=expected_steps)


def preemption(names: list[str], victim: str, at_write: int) -> Preempt:
    others = [name for name in names if name != victim]
    turn = at_write % len(others)  # with two others, each goes first at every other write
    return Preempt(victim, at_write, others[turn:] + others[:turn])


def run_walk(stack: Stack, scenario: Scenario, chooser: Chooser) -> tuple[Walk, tuple[Any, ...]]:
    """The scenario's setup and changes, its invocations run at once in the order `chooser` picks, settled."""
    events = _prepare(stack, scenario)
    walk = Interleaver(chooser).run(_actors(stack, scenario, events))
    stack.settle()
    return walk, state(stack)


def difference(expected: tuple[Any, ...], got: tuple[Any, ...]) -> str:
    """Where two observed states differ: table items, site objects, reports, schedules."""
    parts = []
    for name, want, have in zip(("table", "site", "reports", "schedules"), expected, got, strict=True):
        if want == have:
            continue
        if isinstance(want, dict):
            keys = sorted({k for k in set(want) | set(have) if want.get(k) != have.get(k)}, key=str)
            parts.append(f"{name}: {keys[:8]}")
        else:
            parts.append(f"{name}: {want} != {have}")
    return "; ".join(parts)


def explore(stack: Stack, name: str, seeds: list[int], *, systematic: bool = True, only: str = "",
            stop_at_first: bool = False) -> Outcome:
    """Every serial order of the scenario, then walks: one switch at each write of each actor (`systematic`),
    then one walk per seed; returns every walk that ended elsewhere than all serial orders, with why.

    `only` replays one walk: a seed, or "<victim>@<write>".
    """
    scenario = SCENARIOS[name]
    names = actor_names(scenario)
    expected = serial_outcomes(stack, scenario)
    outcome = Outcome(name)
    start = time.perf_counter()

    def judge(chooser: Chooser) -> Walk:
        walk, got = run_walk(stack, scenario, chooser)
        if not walk.preempted:
            return walk  # the victim ended before that write: a serial order, run already
        outcome.walks += 1
        outcome.calls += len(walk.trace)
        why = [f"stalled: {walk.stalled}"] if walk.stalled else []
        why += [f"{actor} raised {exc!r}" for actor, exc in walk.errors.items()]
        if got not in expected:
            why.append("the end state is no serial order's; against S3's order: " + difference(expected[0], got))
        elif scenario.check is not None:
            try:
                scenario.check(stack)
            except AssertionError as exc:
                why.append(f"check failed: {exc}")
        if why:
            outcome.diverged.append((walk, "; ".join(why)))
        return walk

    steps = 0
    if only and "@" in only:
        victim, at = only.rsplit("@", 1)
        judge(preemption(names, victim, int(at)))
    elif not only and systematic:
        for victim in names:
            for at in itertools.count(1):
                walk = judge(preemption(names, victim, at))
                steps = max(steps, len(walk.trace))
                if not walk.preempted or (stop_at_first and outcome.diverged):
                    break
            if stop_at_first and outcome.diverged:
                break
    for seed in [int(only)] if only and "@" not in only else seeds:
        if stop_at_first and outcome.diverged:
            break
        judge(seeded(seed, names, steps or 60))
    outcome.seconds = time.perf_counter() - start
    return outcome


# --- the scenarios -----------------------------------------------------------------------------------------

KNOWN: dict[str, tuple[str, str]] = {}  # scenarios with a bug not fixed yet: name -> (walk, what goes wrong)
# walks where the harness found a bug of the publishing code, now fixed: (scenario, walk, what went wrong)
FIXED: list[tuple[str, str, str]] = [
    ("displacement during an edit",
        "put b.md@3",
        "a key displaced while its own delivery is about to write its page: the displacement commits the held "
        "state with the key's sequencer unchanged, so the delivery's overtaken check (sequencer only) passes; it "
        "writes its page over the winner's and a 'published' report for an article that is held"),
    ("owner edited and deleted, held article released",
        "put a.md@2",
        "the owner's edit, about to write its page, is deleted and B released in the meantime; the edit's late "
        "page is taken back and a 'Story removed' tombstone ends at /posts/same/ over B's page, B published"),
    ("owner deleted while the held article is re-uploaded",
        "put b.md@2",
        "B's re-upload reads the claimants (A first), then A's delete releases B and re-publishes it keeping B's "
        "sequencer, so B's stale 'held behind A' commit passes the compare-and-set: B's state and report say "
        "held behind a deleted key while its post and page are online"),
    ("owner deleted, held article re-uploaded, a first-sorting key arrives",
        "2",
        "a held article's state and report name as the winner a key deleted in the meantime: it read the "
        "claimants before the owner's release, and the release re-publishes only the first claimant left"),
    ("owner deleted while a first-sorting key takes its URL",
        "delete a.md@2",
        "the delete checks that no post holds /posts/x/, then 0.md publishes there, then the delete writes its "
        "tombstone over 0.md's page (the check and the write are not re-checked, as page writes are)"),
    ("moved story",
        "put 2026/fire-final.md@3",
        "the new file reads the story's claims before the old file's delete records its URLs as gone, and the "
        "delete re-publishes only story uploads already committed as published: the old URLs stay 410 "
        "tombstones instead of redirecting to the new one"),
    ("displacement during an edit",
        "59",
        "the edit read the slug's claimants before the first-sorting key claimed it, then found that key's post "
        "online and displaced it as if the edit owned the slug: both ended held, no post at the URL (a post "
        "implies its claim, so claims read without it are read again)"),
    ("displacement during an edit",
        "112",
        "the winner read the edited key's state before that key's delivery marked its effects done, wrote its "
        "'held' report, then the delivery wrote its 'published' report and ended, then the displacement "
        "committed: the key ended held with a report saying published (a key whose delivery has not carried "
        "its plan out now decides again itself instead of being displaced)"),
    ("owner deleted while a first-sorting key takes its URL",
        "10",
        "the delete recorded its tombstone after the new post's commit: the page was handed back, but the table "
        "kept a tombstone at a URL a post holds, which no serial order leaves (a post's commit now drops the "
        "tombstone at its URL, and a tombstone handed back is dropped)"),
]


def _marks(name: str) -> Any:
    if name in KNOWN and not REPLAY:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[name][1]))
    return name


@pytest.mark.slow
@pytest.mark.parametrize("name", [_marks(name) for name in sorted(SCENARIOS)])
def test_invocations_interleaved_at_their_aws_calls_end_as_some_serial_order(
        stack: Stack, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    # given / when: every serial order, then each single switch at a write, then the seeded walks
    outcome = explore(stack, name, list(range(WALKS)), only=REPLAY, stop_at_first=name in KNOWN)

    # then
    if REPLAY:
        with capsys.disabled():
            print(f"\n{outcome.report()}")
    assert not outcome.diverged, outcome.report()


@pytest.mark.parametrize(("name", "walk"), [(name, walk) for name, walk, _ in FIXED],
                         ids=[f"{name} {walk}" for name, walk, _ in FIXED])
def test_a_walk_that_once_diverged_now_ends_as_a_serial_order(stack: Stack, name: str, walk: str) -> None:
    outcome = explore(stack, name, [], only=walk)
    assert outcome.walks == 1
    assert not outcome.diverged, outcome.report()


def test_every_serial_order_of_one_key_ends_one_way(stack: Stack) -> None:
    # given: a scenario whose changes are all to one key
    scenario = SCENARIOS["owner edited and deleted, held article released"]
    assert len({key for key, _ in scenario.changes}) == 1

    # when / then: the newest version wins whatever the delivery order (each order meets the scenario's check)
    outcomes = serial_outcomes(stack, scenario)
    assert len(outcomes) == 1


def test_a_walk_replays_from_its_seed(stack: Stack) -> None:
    scenario = SCENARIOS["owner deleted while the held article is re-uploaded"]
    names = actor_names(scenario)
    first, end = run_walk(stack, scenario, seeded(6, names, 40))
    again, end_again = run_walk(stack, scenario, seeded(6, names, 40))
    assert first.trace == again.trace and end == end_again
    assert first.switches() > 2


# --- mutants the harness must kill within the CI budget ----------------------------------------------------


def _without_source_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostsIndex.commit stores the source state whatever sequencer is stored (its compare-and-set gone)."""
    from pressroom.index import PostsIndex

    real_commit = PostsIndex.commit

    class Unconditional:
        def __init__(self, db: Any) -> None:
            self._db = db

        def __getattr__(self, name: str) -> Any:
            return getattr(self._db, name)

        def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> Any:  # noqa: N803 - boto3's name
            items = copy.deepcopy(TransactItems)
            for op in items:
                put = op.get("Put", {})
                if put.get("Item", {}).get("pk", {}).get("S", "").startswith("SRC#"):
                    put.pop("ConditionExpression", None)
                    put.pop("ExpressionAttributeValues", None)
            return self._db.transact_write_items(TransactItems=items)

    def commit(self: PostsIndex, state: Any, **kwargs: Any) -> bool:
        blind = copy.copy(self)
        blind.db = Unconditional(self.db)  # type: ignore[assignment]
        return real_commit(blind, state, **kwargs)

    monkeypatch.setattr(PostsIndex, "commit", commit)


def _one_listings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listings.rebuild renders once, without reading the listings version again after its writes (each page
    still stored with its version, and not written over a newer one)."""
    from pressroom.publish.listings import Listings

    def rebuild(self: Listings, affected: Any) -> list[str]:
        version = self.index.listings_version()  # type: ignore[attr-defined]
        if self.settings is not None:
            self._site = self.settings()
        pages, gone = self.pages(affected)
        for key in gone:
            self.bucket.delete(key, version=version)  # type: ignore[call-arg]
        return sorted(p.key for p in pages if self.bucket.put(p, version=version))  # type: ignore[call-arg]

    monkeypatch.setattr(Listings, "rebuild", rebuild)


def _without_hand_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tombstone or a retired page is not followed by a look at whether a post took the URL meanwhile."""
    from pressroom.publish.lambda_shell import Publisher

    monkeypatch.setattr(Publisher, "_hand_back", lambda self, key, owner: None)


MUTANTS: dict[str, tuple[Callable[[pytest.MonkeyPatch], None], str]] = {
    "no compare-and-set on the source state": (_without_source_compare, "delete during a new version"),
    "listings rendered in one pass": (_one_listings_pass, "listings racing a commit"),
    "no hand-back after a write at a post's URL": (_without_hand_back,
                                                   "owner deleted while a first-sorting key takes its URL"),
}


@pytest.mark.slow
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_harness_finds_a_divergence_when_a_safeguard_is_removed(
        stack: Stack, monkeypatch: pytest.MonkeyPatch, mutant: str) -> None:
    # given: the publishing code with one safeguard against concurrent invocations taken out
    remove, name = MUTANTS[mutant]
    assert name not in KNOWN  # a scenario that diverges anyway proves nothing
    remove(monkeypatch)

    # when: the scenario that needs it, explored within the CI budget (its serial orders run with the mutant too)
    outcome = explore(stack, name, list(range(CI_WALKS)), stop_at_first=True)

    # then
    assert outcome.diverged, f"{mutant}: no walk of {outcome.walks} diverged"
