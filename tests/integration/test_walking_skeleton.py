"""The thinnest real path: an upload becomes a page, an index item and a line on the home page."""

from __future__ import annotations

from pressroom.index import PostsIndex
from pressroom.local import Stack
from tests.conftest import article


def test_upload_publishes_page_item_and_home(stack: Stack) -> None:
    # given / when
    stack.upload("articles/first.md", article("First story", "2026-03-01", "Opening paragraph."))

    # then: the page
    page = stack.site_object("posts/first/index.html")
    assert page is not None
    html = page.decode()
    assert "<h1>First story</h1>" in html
    assert "Opening paragraph." in html
    assert "Recent Posts" in html
    # then: the item in the posts table
    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    post = index.post("first")
    assert post is not None and post.title == "First story"
    # then: the home page
    home = stack.site_object("index.html")
    assert home is not None and '<a href="/posts/first/">First story</a>' in home.decode()


def test_home_lists_newest_first_and_every_page_has_recent_posts(stack: Stack) -> None:
    # given
    stack.upload("articles/older.md", article("Older story", "2026-02-01"))
    stack.upload("articles/newer.md", article("Newer story", "2026-03-02"))

    # when
    home = stack.site_object("index.html").decode()

    # then
    assert home.index("Newer story") < home.index("Older story")
    older_page = stack.site_object("posts/older/index.html").decode()
    recent = older_page[older_page.index('id="recent-posts"'):]
    assert "Older story" in recent
    assert '"title": "Newer story"' in stack.site_object("recent.json").decode()


def test_handlers_read_names_from_the_template_environment(stack: Stack) -> None:
    render = stack.functions["RenderFunction"].environment
    assert render["CONTENT_BUCKET"] == stack.content_bucket
    assert render["SITE_BUCKET"] == stack.site_bucket
    assert render["POSTS_TABLE"] == stack.posts_table
    assert stack.functions["IndexFunction"].environment["SITE_BUCKET"] == stack.site_bucket


def test_cdn_is_left_out_and_named(stack: Stack) -> None:
    assert stack.left_out["Distribution"] == "AWS::CloudFront::Distribution"
    assert stack.functions["RenderFunction"].environment["DISTRIBUTION_ID"] == ""


def test_nothing_outside_the_inputs_is_read(stack: Stack) -> None:
    stack.upload("_reports/fake.json", b"{}")
    stack.upload("notes/readme.md", article("Not an article"))
    assert stack.site_object("posts/readme/index.html") is None


def test_export_writes_the_site_bucket(stack: Stack, tmp_path) -> None:
    stack.upload("articles/first.md", article("First story"))
    files = {p.relative_to(tmp_path).as_posix() for p in stack.export(tmp_path)}
    assert {"index.html", "posts/first/index.html", "recent.json", "feed.xml"} <= files


def test_reset_empties_everything_but_keeps_the_deployment(stack: Stack) -> None:
    stack.upload("articles/first.md", article("First story"))
    stack.reset()
    assert stack.site_keys() == []
    stack.upload("articles/second.md", article("Second story"))
    assert stack.site_object("posts/second/index.html") is not None
    assert stack.site_object("posts/first/index.html") is None
