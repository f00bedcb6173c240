"""The publishing rules, decided without AWS: one key's known state in, its plan out."""

from __future__ import annotations

from datetime import UTC, datetime

from pressroom.index import SourceState
from pressroom.model import Post
from pressroom.publish.core import Known, Status, decide, displaced, next_claimant, read_upload
from pressroom.site import Site
from tests.conftest import article

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SITE = Site()


def _known(key: str, data: bytes | None, *, state: SourceState | None = None, **facts: object) -> Known:
    state = state or SourceState(key)
    reading = read_upload(key, data, SITE, now=NOW, first_published=state.first_published)
    return Known(state, reading, "0001", NOW, **facts)  # type: ignore[arg-type]


def _post(slug: str, key: str) -> Post:
    return Post(slug=slug, title=slug, date=datetime(2026, 3, 1, tzinfo=UTC), source_key=key)


def test_a_new_article_is_published_at_its_slug_with_a_report() -> None:
    plan = decide(_known("articles/a.md", article("A", "2026-03-01"), owner="articles/a.md"))
    assert plan.status == Status.PUBLISHED and plan.post is not None and plan.post.slug == "a"
    assert plan.report is not None and plan.report["url"] == "/posts/a/"
    assert plan.state.first_published.startswith("2026-03-01")
    assert not plan.unschedule  # a key the table never scheduled has no schedule to delete


def test_a_schedule_is_deleted_where_the_stored_state_scheduled_the_key_or_may_not_be_carried_out() -> None:
    data = article("A", "2026-03-01")
    scheduled = SourceState("articles/a.md", sequencer="0000", status="scheduled", exists=True, applied="0000",
                            scheduled_for="2026-03-09T00:00:00+00:00")
    assert decide(_known("articles/a.md", data, state=scheduled, owner="articles/a.md")).unschedule
    # published, every effect carried out: nothing scheduled
    done = SourceState("articles/a.md", sequencer="0000", status="published", slug="a", exists=True, applied="0000")
    assert not decide(_known("articles/a.md", data, state=done, owner="articles/a.md")).unschedule
    # committed but not carried out: an earlier change's schedule may still be there
    part_way = SourceState("articles/a.md", sequencer="0000", status="published", slug="a", exists=True)
    assert decide(_known("articles/a.md", data, state=part_way, owner="articles/a.md")).unschedule
    # a draft and a delete of a scheduled key delete its schedule too
    assert decide(_known("articles/a.md", article("A", "2026-03-01", draft=True), state=scheduled)).unschedule
    assert decide(_known("articles/a.md", None, state=scheduled)).unschedule


def test_a_key_that_does_not_sort_first_is_held_and_names_the_winner() -> None:
    plan = decide(_known("articles/b.md", article("B", "2026-03-01", slug="same"), owner="articles/a.md"))
    assert plan.status == Status.HELD and plan.post is None
    assert plan.report is not None and plan.report["winner"] == "articles/a.md"


def test_a_rename_keeps_a_redirect_from_the_old_url_and_releases_the_old_claim() -> None:
    # given: the key is online at /posts/old/
    state = SourceState("articles/a.md", sequencer="0001", status="published", slug="old", exists=True)
    own = _post("old", "articles/a.md")

    # when
    plan = decide(_known("articles/a.md", article("A", "2026-03-01", slug="new", aliases=["/x/"]),
                         state=state, own_post=own, owner="articles/a.md"))

    # then: a redirect from the old page and the alias
    assert plan.redirects == ("posts/old/index.html", "x/index.html")
    assert plan.release == ("old",) and plan.state.retire == {"slugs": ["old"]}


def test_an_alias_where_a_post_is_online_is_left_to_that_post() -> None:
    plan = decide(_known("articles/b.md", article("B", "2026-03-01", aliases=["/posts/a/"]), owner="articles/b.md",
                         taken=frozenset({"posts/a/index.html"})))
    assert plan.redirects == ()


def test_a_remembered_redirect_where_a_post_is_online_now_is_given_up() -> None:
    # given: b was renamed from /posts/old/, and another article has since been published there
    state = SourceState("articles/b.md", sequencer="0002", status="published", slug="new", exists=True,
                        redirects=["posts/old/index.html"])

    # when: b is edited
    plan = decide(_known("articles/b.md", article("B, edited", "2026-03-01", slug="new"), state=state,
                         own_post=_post("new", "articles/b.md"), owner="articles/b.md",
                         taken=frozenset({"posts/old/index.html"})))

    # then: no redirect over the other post, and b no longer remembers it
    assert plan.redirects == () and plan.state.redirects == []


def test_a_rejected_upload_keeps_the_published_version_online() -> None:
    state = SourceState("articles/a.md", sequencer="0001", status="published", slug="a", exists=True)
    own = _post("a", "articles/a.md")
    plan = decide(_known("articles/a.md", b"---\ndate: 2026-03-01\n---\nNo title.\n", state=state, own_post=own))
    assert plan.status == Status.REJECTED and plan.post == own == plan.old_post
    assert plan.report is not None and plan.report["url"] == "/posts/a/"
    assert plan.state.errors[-1]["message"] == "the previously published version stays online"


def test_a_deleted_key_leaves_tombstones_at_its_urls_releases_its_claim_and_loses_its_report() -> None:
    state = SourceState("articles/a.md", sequencer="0001", status="published", slug="a",
                        redirects=["old/index.html"], exists=True)
    plan = decide(_known("articles/a.md", None, state=state, own_post=_post("a", "articles/a.md")))
    assert plan.status == Status.DELETED and plan.post is None and plan.report is None
    assert plan.tombstones == ("old/index.html", "posts/a/index.html") == tuple(plan.state.tombstones)
    assert plan.state.retire == {"slugs": ["a"]}


def test_a_key_deleted_again_keeps_the_tombstones_it_left() -> None:
    state = SourceState("articles/a.md", sequencer="0001", status="deleted", tombstones=["posts/a/index.html"],
                        exists=True)
    plan = decide(_known("articles/a.md", None, state=state))
    assert plan.tombstones == ("posts/a/index.html",)


def test_a_deleted_key_with_an_id_hands_its_urls_to_the_story() -> None:
    state = SourceState("articles/a.md", sequencer="0001", status="published", slug="a", story="harbour-fire",
                        exists=True)
    plan = decide(_known("articles/a.md", None, state=state, own_post=_post("a", "articles/a.md")))
    assert plan.story_gone == "harbour-fire" and plan.story_release == ""
    assert plan.state.story == "harbour-fire" and plan.tombstones == ("posts/a/index.html",)


def test_an_upload_with_the_id_of_a_deleted_post_redirects_its_urls_unless_a_post_holds_them() -> None:
    body = article("Fire, follow-up", "2026-03-02", id="harbour-fire")
    moved = frozenset({"posts/a/index.html", "posts/b/index.html"})
    plan = decide(_known("articles/new.md", body, moved=moved, taken=frozenset({"posts/b/index.html"})))
    assert plan.status == Status.PUBLISHED and plan.story_claim == "harbour-fire"
    assert plan.redirects == ("posts/a/index.html",) and plan.state.story == "harbour-fire"


def test_an_upload_without_an_id_takes_no_url_of_a_deleted_post() -> None:
    plan = decide(_known("articles/new.md", article("Fire", "2026-03-02"), moved=frozenset({"posts/a/index.html"})))
    assert plan.redirects == ()


def test_a_key_published_again_after_its_delete_redirects_its_old_urls_to_the_new_one() -> None:
    state = SourceState("articles/a.md", sequencer="0001", status="deleted", slug="a",
                        tombstones=["posts/a/index.html"], exists=True)
    plan = decide(_known("articles/a.md", article("A", "2026-03-02", slug="a-2"), state=state))
    assert plan.redirects == ("posts/a/index.html",) and plan.state.tombstones == []


def test_a_future_article_is_scheduled_for_its_date() -> None:
    plan = decide(_known("articles/a.md", article("A", "2026-04-01")))
    assert plan.status == Status.SCHEDULED and plan.schedule is not None and plan.schedule.month == 4
    assert plan.report is not None and plan.report["scheduled_for"].startswith("2026-04-01")


def test_an_undated_article_keeps_its_first_publication_date() -> None:
    state = SourceState("articles/a.md", sequencer="0001", status="published", slug="a",
                        first_published="2025-12-24T08:00:00+00:00", exists=True)
    undated = b"---\ntitle: A\n---\nBody.\n"
    plan = decide(_known("articles/a.md", undated, state=state, owner="articles/a.md"))
    assert plan.post is not None and plan.post.date.isoformat() == "2025-12-24T08:00:00+00:00"


def test_a_displaced_post_goes_back_to_held_under_the_new_owner() -> None:
    held = SourceState("articles/z.md", sequencer="0002", status="published", slug="same", exists=True)
    plan = displaced(held, _post("same", "articles/z.md"), "articles/a.md", NOW)
    assert plan.status == Status.HELD and plan.old_post is not None and plan.post is None
    assert plan.state.winner == "articles/a.md"


def test_the_next_claimant_is_the_first_other_key() -> None:
    assert next_claimant(["articles/a.md"], "articles/a.md") == ""
    assert next_claimant(["articles/b.md"], "articles/a.md") == "articles/b.md"


def test_a_reading_reports_at_most_fifty_problems_and_counts_the_rest() -> None:
    import json

    from pressroom.publish.core import MAX_PROBLEMS

    data = {"title": "T", "body": "Body.", **{f"unknown{i}": "x" for i in range(90)}}
    reading = read_upload("articles/many.json", json.dumps(data).encode(), SITE, now=NOW)
    assert reading.status == Status.REJECTED and len(reading.problems) == MAX_PROBLEMS + 1
    assert reading.problems[-1].message == "and 40 more problems"


def test_an_upload_with_thousands_of_fields_gets_one_problem_naming_the_limit() -> None:
    import json

    data = {"title": "T", "body": "Body.", **{f"unknown{i}": "x" for i in range(2500)}}
    reading = read_upload("articles/many.json", json.dumps(data).encode(), SITE, now=NOW)
    assert [p.message for p in reading.problems] == ["the article has 2,501 fields, more than the limit of 100"]
