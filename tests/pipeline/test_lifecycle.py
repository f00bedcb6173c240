"""Deletes, renames, collisions, drafts, schedules and rejections, end to end through the local stack."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pressroom.local import Stack
from tests.conftest import article
from tests.pipeline.helpers import is_tombstone, links_in, site_state

LISTINGS = ("index.html", "archive/2026/03/index.html", "tags/port/index.html", "tags/port/2026/index.html")
FEEDS = ("feed.xml", "rss.xml", "feed.json", "recent.json", "sitemaps/2026-03.xml")


def _mentions(stack: Stack, key: str, text: str) -> bool:
    body = stack.site_object(key)
    return body is not None and text.encode() in body


def test_delete_removes_the_post_from_every_page(stack: Stack) -> None:
    # given
    stack.upload("articles/keep.md", article("Kept story", "2026-03-02", tags=["port"]))
    stack.upload("articles/gone.md", article("Gone story", "2026-03-03", tags=["port"]))
    for key in LISTINGS + FEEDS:
        assert _mentions(stack, key, "posts/gone/") or _mentions(stack, key, "Gone story"), key

    # when
    stack.delete("articles/gone.md")

    # then
    assert is_tombstone(stack, "posts/gone/index.html")
    assert b"Gone story" not in (stack.site_object("posts/gone/index.html") or b"")
    for key in LISTINGS + FEEDS:
        assert not _mentions(stack, key, "Gone story") and not _mentions(stack, key, "posts/gone/"), key
    assert _mentions(stack, "index.html", "Kept story")
    assert stack.report("articles/gone.md") is None


def test_deleting_the_last_post_of_a_month_and_tag_removes_those_pages(stack: Stack) -> None:
    stack.upload("articles/only.md", article("Only story", "2026-01-15", tags=["lonely"]))
    assert stack.site_object("archive/2026/01/index.html") is not None
    stack.delete("articles/only.md")
    for key in ("archive/2026/01/index.html", "tags/lonely/index.html", "tags/lonely/2026/index.html",
                "sitemaps/2026-01.xml"):
        assert stack.site_object(key) is None, key
    assert b"2026-01" not in stack.site_object("sitemap.xml")


def test_slug_change_leaves_redirects_from_the_old_url_and_aliases(stack: Stack) -> None:
    # given
    stack.upload("articles/story.md", article("A story", "2026-03-02"))

    # when
    stack.upload("articles/story.md", article("A story", "2026-03-02", slug="better-name", aliases=["/2026/old-link/"]))

    # then
    s3 = stack.client("s3")
    assert stack.site_object("posts/better-name/index.html") is not None
    for old in ("posts/story/index.html", "2026/old-link/index.html"):
        head = s3.head_object(Bucket=stack.site_bucket, Key=old)
        assert head["Metadata"]["location"] == "/posts/better-name/"
        assert b'url=/posts/better-name/' in stack.site_object(old)
    assert links_in(stack.site_object("index.html")) == {"/posts/better-name/"}
    # and the report says the URL moved, as a warning
    report = stack.report("articles/story.md")
    assert report["status"] == "published"
    assert [(e["severity"], e["message"]) for e in report["errors"]] == [
        ("warning", "the URL changed from /posts/story/ to /posts/better-name/; the old URL redirects to the new one")]


def test_the_moved_url_warning_is_kept_for_the_same_upload_and_dropped_by_the_next(stack: Stack) -> None:
    # given: a renamed article
    stack.upload("articles/story.md", article("A story", "2026-03-02"))
    stack.upload("articles/story.md", article("A story", "2026-03-02", slug="better-name"))

    # when: the same upload is published again (a site-wide rebuild), then edited
    stack.client("s3").delete_object(Bucket=stack.content_bucket, Key="_reports/articles/story.md.json")
    stack.upload("site.yaml", b"name: Harbour News\n")
    again = stack.report("articles/story.md")["errors"]
    stack.upload("articles/story.md", article("A story, edited", "2026-03-02", slug="better-name"))

    # then
    assert [e["severity"] for e in again] == ["warning"] and "/posts/story/" in again[0]["message"]
    assert stack.report("articles/story.md")["errors"] == []
    assert stack.site_object("posts/story/index.html") is not None  # still redirecting


def test_deleting_a_renamed_article_leaves_tombstones_at_all_its_urls(stack: Stack) -> None:
    stack.upload("articles/story.md", article("A story", "2026-03-02"))
    stack.upload("articles/story.md", article("A story", "2026-03-02", slug="renamed", aliases=["/x/"]))
    stack.delete("articles/story.md")
    for key in ("posts/renamed/index.html", "posts/story/index.html", "x/index.html"):
        assert is_tombstone(stack, key), key


def test_an_alias_never_replaces_a_page_of_the_site(stack: Stack) -> None:
    stack.upload("articles/a.md", article("Story A", "2026-03-02"))
    stack.upload("articles/b.md", article("Story B", "2026-03-03", aliases=["/posts/a/", "/feed.xml", "/tags/x/"]))
    assert b"Story A" in stack.site_object("posts/a/index.html")
    assert stack.site_object("tags/x/index.html") is None
    assert b"<feed" in stack.site_object("feed.xml")
    # and the report says why: a URL the site serves is an error, so the article waits for a fix
    report = stack.report("articles/b.md")
    assert report["status"] == "rejected"
    assert {e["message"].split("'")[1] for e in report["errors"]} == {"/feed.xml", "/tags/x/"}


def test_an_alias_at_another_articles_url_is_dropped_with_a_warning(stack: Stack) -> None:
    # a warning, not an error: which of two articles is published first must not decide whether one is rejected
    stack.upload("articles/a.md", article("Story A", "2026-03-02"))
    stack.upload("articles/b.md", article("Story B", "2026-03-03", aliases=["/posts/a/", "/old-b/"]))
    assert b"Story A" in stack.site_object("posts/a/index.html")
    assert stack.site_object("old-b/index.html") is not None
    report = stack.report("articles/b.md")
    assert report["status"] == "published"
    (warning,) = report["errors"]
    assert warning["severity"] == "warning" and "/posts/a/" in warning["message"]


def test_collision_is_decided_by_key_order_not_arrival_order(stack: Stack) -> None:
    # given: the later key arrives first
    stack.upload("articles/zeta.md", article("Zeta claims", "2026-03-02", slug="shared"))
    stack.upload("articles/alpha.md", article("Alpha claims", "2026-03-03", slug="shared"))

    # then: the key that sorts first owns the URL, the other is held with a report naming the winner
    assert b"Alpha claims" in stack.site_object("posts/shared/index.html")
    held = stack.report("articles/zeta.md")
    assert held["status"] == "held" and held["winner"] == "articles/alpha.md"
    assert "articles/alpha.md" in held["errors"][0]["message"]
    assert not _mentions(stack, "index.html", "Zeta claims")

    # when: the winner goes
    stack.delete("articles/alpha.md")

    # then: the held article is published
    assert b"Zeta claims" in stack.site_object("posts/shared/index.html")
    assert stack.report("articles/zeta.md")["status"] == "published"
    assert _mentions(stack, "index.html", "Zeta claims")


def test_collision_outcome_is_the_same_in_either_order(stack: Stack) -> None:
    outcomes = []
    for order in (("articles/a.md", "articles/b.md"), ("articles/b.md", "articles/a.md")):
        stack.reset()
        for key in order:
            stack.upload(key, article(f"From {key}", "2026-03-02", slug="same"))
        outcomes.append((b"From articles/a.md" in stack.site_object("posts/same/index.html"),
                         stack.report("articles/b.md")["status"]))
    assert outcomes[0] == outcomes[1] == (True, "held")


def test_draft_publishes_nothing_and_unpublishes_a_public_post(stack: Stack) -> None:
    stack.upload("articles/d.md", article("Draft story", "2026-03-02", draft=True))
    assert stack.site_object("posts/d/index.html") is None
    assert stack.report("articles/d.md")["status"] == "draft"

    stack.upload("articles/d.md", article("Draft story", "2026-03-02"))
    assert stack.site_object("posts/d/index.html") is not None

    stack.upload("articles/d.md", article("Draft story", "2026-03-02", draft=True))
    assert stack.site_object("posts/d/index.html") is None
    assert not _mentions(stack, "index.html", "Draft story")
    assert not _mentions(stack, "recent.json", "Draft story")


def test_future_post_is_scheduled_and_published_when_its_schedule_fires(stack: Stack) -> None:
    # given: a post dated after the stack's clock (2026-03-10 12:00 UTC)
    stack.upload("articles/later.md", article("Later story", "2026-03-20T08:00:00+00:00"))

    # then: nothing public, a report and one schedule
    assert stack.site_object("posts/later/index.html") is None
    report = stack.report("articles/later.md")
    assert report["status"] == "scheduled" and report["scheduled_for"].startswith("2026-03-20T08:00")
    assert [s["ScheduleExpression"] for s in stack.schedules()] == ["at(2026-03-20T08:00:00)"]
    assert not _mentions(stack, "feed.xml", "Later story")

    # when: time passes, but not enough
    assert stack.run_schedules(datetime(2026, 3, 19, tzinfo=UTC)) == 0
    assert stack.site_object("posts/later/index.html") is None

    # when: the schedule is due
    assert stack.run_schedules(datetime(2026, 3, 20, 8, 0, 1, tzinfo=UTC)) == 1

    # then
    assert stack.site_object("posts/later/index.html") is not None
    assert stack.report("articles/later.md")["status"] == "published"
    assert stack.schedules() == []


def test_changing_or_deleting_a_scheduled_post_replaces_or_removes_its_schedule(stack: Stack) -> None:
    stack.upload("articles/later.md", article("Later story", "2026-04-01"))
    stack.upload("articles/later.md", article("Later story", "2026-05-01"))
    assert [s["ScheduleExpression"] for s in stack.schedules()] == ["at(2026-05-01T00:00:00)"]
    stack.upload("articles/later.md", article("Later story", "2026-03-01"))
    assert stack.schedules() == [] and stack.site_object("posts/later/index.html") is not None
    stack.upload("articles/later.md", article("Later story", "2026-06-01"))
    assert len(stack.schedules()) == 1 and stack.site_object("posts/later/index.html") is None
    stack.delete("articles/later.md")
    assert stack.schedules() == []


def test_rejected_upload_keeps_the_published_version_and_reports_why(stack: Stack) -> None:
    # given
    stack.upload("articles/a.md", article("Good version", "2026-03-02"))
    before = stack.site_object("posts/a/index.html")

    # when
    stack.upload("articles/a.md", b"---\ntitle: [unclosed\n---\nBody\n")

    # then: the page is untouched, the report has the documented schema
    assert stack.site_object("posts/a/index.html") == before
    report = stack.report("articles/a.md")
    assert set(report) >= {"key", "version_id", "etag", "status", "url", "errors", "time"}
    assert report["status"] == "rejected" and report["key"] == "articles/a.md"
    assert report["errors"][0]["line"] and report["errors"][0]["message"]
    head = stack.client("s3").head_object(Bucket=stack.content_bucket, Key="articles/a.md")
    assert report["version_id"] == head["VersionId"] and report["etag"] == head["ETag"].strip('"')
    # and: it is not retried (nothing in the dead-letter queue, nothing left in the queue)
    assert stack.dead_letters == []
    item = stack.client("dynamodb").get_item(TableName=stack.posts_table,
                                              Key={"pk": {"S": "SRC#articles/a.md"}, "sk": {"S": "SRC"}})["Item"]
    assert item["status"]["S"] == "rejected"


def test_too_large_upload_is_rejected_by_the_template_limit(stack: Stack) -> None:
    limit = int(stack.functions["RenderFunction"].environment["MAX_UPLOAD_BYTES"])
    stack.upload("articles/big.md", article("Big", "2026-03-02", body="x" * (limit + 1)))
    report = stack.report("articles/big.md")
    assert report["status"] == "rejected" and "limit" in report["errors"][0]["message"]


def test_undated_article_keeps_its_first_publication_date(stack: Stack) -> None:
    stack.upload("articles/u.md", b"---\ntitle: Undated\n---\nBody.\n")
    stack.set_time(datetime(2026, 3, 15, 9, 0, tzinfo=UTC))
    stack.upload("articles/u.md", b"---\ntitle: Undated, edited\n---\nBody.\n")
    recent = json.loads(stack.site_object("recent.json"))
    assert recent["posts"][0]["date"].startswith("2026-03-10T12:00")


def test_tag_year_pages_follow_the_posts_own_calendar(stack: Stack) -> None:
    # given: half past midnight on New Year's Day at +01:00, which is still the previous year in UTC
    stack.upload("articles/new-year.md", article("New year story", "2026-01-01T00:30:00+01:00", tags=["port"]))

    # then: it is a 2026 post everywhere
    assert _mentions(stack, "tags/port/2026/index.html", "New year story")
    assert stack.site_object("tags/port/2025/index.html") is None
    assert _mentions(stack, "archive/2026/01/index.html", "New year story")


def test_a_second_rejection_in_a_row_still_says_the_published_version_stays(stack: Stack) -> None:
    stack.upload("articles/a.md", article("Good version", "2026-03-02"))
    stack.upload("articles/a.md", b"---\ntitle: [unclosed\n---\nBody\n")
    stack.upload("articles/a.md", b"---\ndate: 2026-03-02\n---\nNo title.\n")
    report = stack.report("articles/a.md")
    assert report["status"] == "rejected" and report["url"] == "/posts/a/"
    item = stack.client("dynamodb").get_item(TableName=stack.posts_table,
                                              Key={"pk": {"S": "SRC#articles/a.md"}, "sk": {"S": "SRC"}})["Item"]
    assert any("stays online" in e["M"]["message"]["S"] for e in item["errors"]["L"])
    assert b"Good version" in stack.site_object("posts/a/index.html")


def test_an_oversized_site_yaml_is_rejected_with_a_reason(stack: Stack) -> None:
    limit = int(stack.functions["RenderFunction"].environment["MAX_UPLOAD_BYTES"])
    stack.upload("site.yaml", b"name: Big\nabout: " + b"x" * limit + b"\n")
    report = stack.report("site.yaml")
    assert report["status"] == "rejected" and "limit" in report["errors"][0]["message"]
    assert report["version_id"] and report["etag"]
    assert stack.dead_letters == []


def test_deeply_nested_uploads_get_a_rejection_report_not_a_dead_letter(stack: Stack) -> None:
    # given: markup and data nested far deeper than any article (the render function used to crash on them)
    deep_html = "<h1>Deep</h1><p>" + "<span>" * 600 + "text" + "</span>" * 600 + "</p>"
    deep_json = json.dumps({"title": "Deep", "body": "Text."})[:-1] + ', "summary": ' + "[" * 900 + "1" + "]" * 900 + "}"

    # when
    stack.upload("articles/deep.html", deep_html)
    stack.upload("articles/deep.json", deep_json)
    stack.upload("articles/fine.md", article("Fine", "2026-03-02"))

    # then
    for key in ("articles/deep.html", "articles/deep.json"):
        report = stack.report(key)
        assert report["status"] == "rejected" and "levels deep" in report["errors"][0]["message"], key
    assert stack.dead_letters == []
    assert b"Fine" in stack.site_object("index.html")


def test_an_upload_with_thousands_of_problems_gets_a_report(stack: Stack) -> None:
    # given: 90 unknown fields with long values, and a file of 2,500 fields
    many = {"title": "Many", "date": "2026-03-02", "body": "Body.", **{f"unknown{i}": "x" * 3000 for i in range(90)}}
    fields = {"title": "Fields", "body": "Body.", **{f"unknown{i}": "x" * 100 for i in range(2500)}}

    # when
    stack.upload("articles/many.json", json.dumps(many))
    stack.upload("articles/fields.json", json.dumps(fields))

    # then: the first 50 problems and a count of the rest; a bound named for the other
    report = stack.report("articles/many.json")
    assert report["status"] == "rejected" and report["errors"][-1]["message"] == "and 40 more problems"
    assert stack.report("articles/fields.json")["errors"][0]["message"].startswith("the article has 2,501 fields")
    assert stack.dead_letters == []


COSTLY_MARKDOWN = {
    # The shapes that took a minute and gigabytes when they filled the upload limit.
    "articles/delimiters.md": "---\ntitle: Runs\n---\n" + ("*_" * 40_000 + "\n") * 60,
    "articles/table.md": "---\ntitle: Table\n---\n|a|b|c|\n|-|-|-|\n" + "|x|y|z|\n" * 15_000,
    "articles/nesting.md": "---\ntitle: Nesting\n---\n" + ("> - " * 30 + "text\n") * 10_000,
    "articles/headings.md": "---\ntitle: Headings\n---\n" + "# h\n" * 300_000,
}


def test_costly_markdown_is_rejected_naming_the_bound_and_the_site_stays_whole(stack: Stack) -> None:
    # given
    stack.upload("articles/fine.md", article("Fine", "2026-03-02"))

    # when
    for key, text in COSTLY_MARKDOWN.items():
        stack.upload(key, text, wait=False)
    stack.settle()

    # then
    for key in COSTLY_MARKDOWN:
        report = stack.report(key)
        assert report["status"] == "rejected" and "more than the limit of" in report["errors"][0]["message"], key
    assert stack.dead_letters == []
    assert b"Fine" in stack.site_object("index.html")
    assert stack.site_object("posts/fine/index.html") is not None


def test_a_full_rebuild_with_poison_files_in_the_folder_completes(stack: Stack) -> None:
    # given: a good article beside uploads that used to crash the render function
    stack.upload("articles/good.md", article("Good", "2026-03-02"))
    stack.upload("articles/deep.html", "<h1>Deep</h1><p>" + "<span>" * 600 + "x" + "</span>" * 600 + "</p>")
    stack.upload("articles/runs.md", COSTLY_MARKDOWN["articles/delimiters.md"])

    # when: a settings change rebuilds every page
    stack.upload("site.yaml", "name: Rebuilt Times\n")

    # then: the rebuild's counter reached zero, the good page was rebuilt, the poison files stay rejected
    rows = stack.client("dynamodb").scan(TableName=stack.posts_table)["Items"]
    counters = [r for r in rows if r["pk"]["S"].startswith("REBUILD#") and r["sk"]["S"] == "COUNT"]
    assert [int(c["n"]["N"]) for c in counters] == [0]
    assert b"Rebuilt Times" in stack.site_object("posts/good/index.html")
    assert {stack.report(k)["status"] for k in ("articles/deep.html", "articles/runs.md")} == {"rejected"}
    assert stack.dead_letters == []


def test_every_report_keeps_the_first_publication_date(stack: Stack) -> None:
    # given: an undated article, dated by its first publication
    stack.upload("articles/undated.md", b"---\ntitle: Undated\n---\nBody.\n")
    first = stack.report("articles/undated.md")["first_published"]

    # when: it is edited later
    stack.set_time(datetime(2026, 4, 1, tzinfo=UTC))
    stack.upload("articles/undated.md", b"---\ntitle: Undated, edited\n---\nBody.\n")

    # then: the report still carries the date it was first published with
    assert stack.report("articles/undated.md")["first_published"] == first
    assert first.startswith("2026-03-10")


def test_a_site_restored_from_the_content_bucket_keeps_its_first_publication_dates(stack: Stack) -> None:
    # given: an undated article published in March, and the posts table lost with its stack
    stack.upload("articles/undated.md", b"---\ntitle: Undated\n---\nBody.\n")
    first = stack.report("articles/undated.md")["first_published"]
    saved = {key: stack.client("s3").get_object(Bucket=stack.content_bucket, Key=key)["Body"].read()
             for key in ("_reports/articles/undated.md.json", "articles/undated.md")}
    stack.reset()

    # when: in April the content comes back into a new stack, reports first (as docs/deploy.md says)
    stack.set_time(datetime(2026, 4, 20, tzinfo=UTC))
    for key, body in saved.items():
        stack.upload(key, body)

    # then: the article is dated as it was first published, not as restored
    assert stack.report("articles/undated.md")["first_published"] == first
    assert first.startswith("2026-03-10")
    assert b"2026-03-10" in stack.site_object("posts/undated/index.html")


def test_a_hand_edited_report_date_that_is_not_a_date_is_ignored(stack: Stack) -> None:
    # given: a report that names no real date, and no row for its key
    stack.client("s3").put_object(Bucket=stack.content_bucket, Key="_reports/articles/odd.md.json",
                                  Body=b'{"first_published": "next week"}')

    # when
    stack.upload("articles/odd.md", b"---\ntitle: Odd\n---\nBody.\n")

    # then
    assert stack.report("articles/odd.md")["status"] == "published"


def test_a_remembered_redirect_never_replaces_a_post_published_there_since(stack: Stack) -> None:
    # given: v was renamed away from /posts/old/, and w has since been published at /posts/old/
    stack.upload("articles/v.md", article("Renamed one", "2026-03-01", slug="old"))
    stack.upload("articles/v.md", article("Renamed one", "2026-03-01", slug="new"))
    stack.upload("articles/w.md", article("The victim", "2026-03-02", slug="old"))
    assert b"The victim" in stack.site_object("posts/old/index.html")

    # when: v is edited again
    stack.upload("articles/v.md", article("Renamed one, edited", "2026-03-01", slug="new"))

    # then: w's page is still online, and v no longer claims its URL
    assert b"The victim" in stack.site_object("posts/old/index.html")
    assert stack.report("articles/w.md")["status"] == "published"
    rows = stack.client("dynamodb").get_item(TableName=stack.posts_table,
                                             Key={"pk": {"S": "SRC#articles/v.md"}, "sk": {"S": "SRC"}})["Item"]
    assert "posts/old/index.html" not in str(rows.get("redirects"))


def test_an_alias_at_a_file_the_site_serves_is_rejected_with_the_reason(stack: Stack) -> None:
    stack.upload("articles/a.md", article("A", "2026-03-01", aliases=["/favicon.ico"]))
    report = stack.report("articles/a.md")
    assert report["status"] == "rejected"
    assert report["errors"][0]["message"] == "alias '/favicon.ico' is a URL the site itself serves, so it cannot redirect"
    assert stack.site_object("favicon.ico") is None


def test_an_alias_at_a_url_a_later_post_takes_gives_way_and_the_report_says_so(stack: Stack) -> None:
    # given: an alias claimed before any article is published at that URL
    stack.upload("articles/squatter.md", article("Squatter", "2026-03-02", aliases=["/posts/victim/"]))
    assert _location(stack, "posts/victim/index.html") == "/posts/squatter/"

    # when: an article is published there, then the alias's article is edited, then loses the alias
    stack.upload("articles/victim.md", article("Victim", "2026-03-03"))
    report = stack.report("articles/squatter.md")
    stack.upload("articles/squatter.md", article("Squatter, edited", "2026-03-02", aliases=["/posts/victim/"]))
    stack.upload("articles/squatter.md", article("Squatter, edited", "2026-03-02"))

    # then: the post keeps its URL, and the alias's report said why its alias no longer redirects
    assert report["status"] == "published"
    assert [(e["field"], e["severity"]) for e in report["errors"]] == [("aliases", "warning")]
    assert "another article" in report["errors"][0]["message"]
    assert b"<h1>Victim</h1>" in (stack.site_object("posts/victim/index.html") or b"")
    assert stack.report("articles/victim.md")["status"] == "published"


def test_every_article_keeping_an_alias_a_later_post_takes_is_told(stack: Stack) -> None:
    # given: two articles name the same URL as an alias, and the second one's redirect is stored there
    stack.upload("articles/first.md", article("First", "2026-03-01", aliases=["/posts/victim/"]))
    stack.upload("articles/second.md", article("Second", "2026-03-02", aliases=["/posts/victim/"]))
    assert _claims(stack) == {("ALIAS#posts/victim/index.html", "articles/first.md"),
                              ("ALIAS#posts/victim/index.html", "articles/second.md")}

    # when: an article is published at that URL
    stack.upload("articles/victim.md", article("Victim", "2026-03-03"))

    # then: both reports say why the alias no longer redirects; both keep their claim, waiting for the URL
    for key in ("articles/first.md", "articles/second.md"):
        report = stack.report(key)
        assert report["status"] == "published", key
        assert [(e["field"], e["severity"]) for e in report["errors"]] == [("aliases", "warning")], key
    assert b"<h1>Victim</h1>" in (stack.site_object("posts/victim/index.html") or b"")
    assert _claims(stack) == {("ALIAS#posts/victim/index.html", "articles/first.md"),
                              ("ALIAS#posts/victim/index.html", "articles/second.md")}

    # when: that article is deleted, then: its URL redirects again, to the later key's article as a build writes
    stack.delete("articles/victim.md")
    assert _location(stack, "posts/victim/index.html") == "/posts/second/"
    assert stack.report("articles/first.md")["errors"] == stack.report("articles/second.md")["errors"] == []


def test_a_deleted_article_lets_go_of_its_claim_on_an_alias(stack: Stack) -> None:
    stack.upload("articles/first.md", article("First", "2026-03-01", aliases=["/posts/old-name/", "/old.html"]))
    assert _claims(stack) == {("ALIAS#posts/old-name/index.html", "articles/first.md")}  # article URLs only

    stack.delete("articles/first.md")

    assert _claims(stack) == set()


def test_an_alias_a_deleted_post_gave_back_redirects_whatever_the_order(stack: Stack) -> None:
    alias = article("Alias owner", "2026-03-01", aliases=["/posts/same/"])
    taker = article("Taker", "2026-03-02", slug="same")

    # given: the alias first, then a post at its URL, then that post deleted
    stack.upload("articles/a.md", alias)
    stack.upload("articles/c.md", taker)
    stack.delete("articles/c.md")
    first = (site_state(stack), _verdict(stack, "articles/a.md"))

    # when: the post uploaded and deleted before the alias
    stack.reset()
    stack.upload("articles/c.md", taker)
    stack.delete("articles/c.md")
    stack.upload("articles/a.md", alias)

    # then: the same site and the same report
    assert first == (site_state(stack), _verdict(stack, "articles/a.md"))


def _verdict(stack: Stack, key: str) -> tuple[str, list[dict]]:
    report = stack.report(key) or {}
    return report.get("status", ""), report.get("errors", [])


def _claims(stack: Stack) -> set[tuple[str, str]]:
    from tests.pipeline.helpers import table_state

    return {key for key in table_state(stack) if key[0].startswith("ALIAS#")}


def _location(stack: Stack, key: str) -> str:
    head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key=key)
    return str(head.get("Metadata", {}).get("location", ""))
