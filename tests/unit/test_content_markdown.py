"""Markdown articles: front matter, CommonMark with tables and fenced code, safe links, the title line."""

from __future__ import annotations

import re

from tests.unit.builders import front_matter, parse, problem_for, problems


def test_front_matter_fields_become_the_article() -> None:
    # given
    text = front_matter("First paragraph of the story.\n\nSecond paragraph.", title="Ferry adds a late crossing",
                        date="2026-03-06T09:30:00+00:00", author="Marta Reis", tags=["Transport", "Harbour"],
                        summary="A short summary.", slug="late-ferry", image="/media/ferry.jpg",
                        canonical="https://example.org/ferry", aliases=["/2026/ferry.html"], draft=False)

    # when
    article = parse("articles/ferry.md", text)

    # then
    assert article.title == "Ferry adds a late crossing"
    assert article.slug == "late-ferry"
    assert article.author == "Marta Reis"
    assert article.tags == ("Transport", "Harbour")
    assert article.summary == "A short summary."
    assert article.image == "/media/ferry.jpg"
    assert article.canonical == "https://example.org/ferry"
    assert article.aliases == ("/2026/ferry.html",)
    assert article.draft is False
    assert article.date is not None and article.date.isoformat() == "2026-03-06T09:30:00+00:00"
    assert article.format == "md"
    assert "<p>First paragraph of the story.</p>" in article.body_html


def test_plain_yaml_front_matter_is_read() -> None:
    # given: front matter as authors write it, not as JSON
    text = "---\ntitle: Harbour news\ndate: 2026-03-01\ntags:\n  - Port\n  - Weather\ndraft: no\n---\nBody.\n"

    # when
    article = parse("articles/news.md", text)

    # then
    assert (article.title, article.tags, article.draft) == ("Harbour news", ("Port", "Weather"), False)


def test_tables_and_fenced_code_render() -> None:
    # given
    body = "| Day | Last |\n|:----|----:|\n| Fri | 23:15 |\n\n```python\nprint('<hi>')\n```\n"

    # when
    html = parse("articles/t.md", front_matter(body, title="Timetable")).body_html

    # then
    assert '<th class="align-left">Day</th>' in html
    assert '<td class="align-right">23:15</td>' in html
    assert '<pre><code class="language-python">print(\'&lt;hi&gt;\')' in html


def test_raw_html_in_markdown_is_shown_as_text_not_markup() -> None:
    # given
    body = 'Before <b onclick="x()">bold</b> after\n\n<script>alert(1)</script>\n'

    # when
    html = parse("articles/raw.md", front_matter(body, title="Raw")).body_html

    # then
    assert "<script" not in html and "<b" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_links_keep_safe_schemes_and_lose_unsafe_ones() -> None:
    # given
    body = ("[web](https://example.org) [mail](mailto:desk@example.org) [here](/posts/a/) "
            "[bad](javascript:alert(1)) [worse](JaVaScRiPt&#58;alert(1)) [data](data:text/html,hi)")

    # when
    html = parse("articles/links.md", front_matter(body, title="Links")).body_html

    # then
    assert '<a href="https://example.org" rel="noopener noreferrer">web</a>' in html
    assert 'href="mailto:desk@example.org"' in html
    assert 'href="/posts/a/"' in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == ["https://example.org", "mailto:desk@example.org", "/posts/a/"]


def test_headings_move_one_level_down_so_the_title_is_the_only_h1() -> None:
    # when
    html = parse("articles/h.md", front_matter("# Part one\n\n## Detail\n\n###### Deepest", title="T")).body_html

    # then
    assert "<h1" not in html
    assert "<h2>Part one</h2>" in html and "<h3>Detail</h3>" in html and "<h6>Deepest</h6>" in html


def test_sections_written_below_the_title_keep_their_level() -> None:
    # when
    html = parse("articles/h.md", front_matter("## Part one\n\n### Detail", title="T")).body_html

    # then
    assert "<h2>Part one</h2>" in html and "<h3>Detail</h3>" in html


def test_images_keep_alt_text_and_load_lazily() -> None:
    # when
    html = parse("articles/i.md", front_matter("![The quay at dawn](/media/quay.jpg)", title="Quay")).body_html

    # then
    assert '<img src="/media/quay.jpg" alt="The quay at dawn" loading="lazy">' in html


def test_media_paths_written_without_leading_slash_become_root_relative() -> None:
    # when
    html = parse("articles/m.md", front_matter("![Quay](media/quay.jpg)", title="Quay")).body_html

    # then
    assert 'src="/media/quay.jpg"' in html


def test_title_may_be_the_first_heading_when_front_matter_has_none() -> None:
    # given
    text = "# Market hall *reopens*\n\nThe covered market reopened on Monday.\n"

    # when
    article = parse("articles/market.md", text)

    # then: the heading is the title, and not repeated in the body
    assert article.title == "Market hall reopens"
    assert "Market hall" not in article.body_html


def test_summary_defaults_to_the_first_paragraph_as_plain_text() -> None:
    # given
    body = "![photo](/media/a.jpg)\n\nThe *first* [real](https://example.org) paragraph.\n\nThe second."

    # when
    article = parse("articles/s.md", front_matter(body, title="Summary"))

    # then
    assert article.summary == "The first real paragraph."


def test_long_default_summary_is_cut_at_a_word_with_an_ellipsis() -> None:
    # given
    body = " ".join(["word"] * 200)

    # when
    summary = parse("articles/long.md", front_matter(body, title="Long")).summary

    # then
    assert summary.endswith("…") and len(summary) <= 301 and "wor…" not in summary


def test_reading_time_counts_the_words_of_the_body() -> None:
    # when
    article = parse("articles/r.md", front_matter(" ".join(["word"] * 1150), title="Reading"))

    # then
    assert article.word_count == 1150
    assert article.reading_minutes == 5


def test_front_matter_that_is_never_closed_is_rejected_on_line_one() -> None:
    # when
    found = problems("articles/open.md", "---\ntitle: Open\n\nBody")

    # then
    assert found[0].line == 1 and "never closed" in found[0].message and found[0].hint


def test_front_matter_syntax_error_names_the_line_in_the_file() -> None:
    # given: line 3 of the file holds the broken value
    text = "---\ntitle: Fine\ntags: [one, two\n---\nBody\n"

    # when
    found = problems("articles/broken.md", text)

    # then
    assert found[0].line in (3, 4) and "YAML" in found[0].message


def test_front_matter_that_is_not_a_mapping_is_rejected() -> None:
    # when
    found = problems("articles/list.md", "---\n- just\n- a list\n---\nBody\n")

    # then
    assert "mapping" in found[0].message and found[0].line == 2


def test_field_given_twice_in_front_matter_is_rejected_with_its_line() -> None:
    # when
    found = problems("articles/twice.md", "---\ntitle: One\ndate: 2026-03-01\ntitle: Two\n---\nBody\n")

    # then
    problem = problem_for("title", found)
    assert problem.line == 4 and "twice" in problem.message


def test_markdown_without_any_title_is_rejected_with_a_hint() -> None:
    # when
    found = problems("articles/untitled.md", front_matter("Just a body.", date="2026-03-01"))

    # then
    problem = problem_for("title", found)
    assert "no title" in problem.message and "title" in (problem.hint or "")


def test_markdown_with_front_matter_but_no_body_is_rejected_with_the_body_line() -> None:
    # when
    found = problems("articles/empty-body.md", "---\ntitle: Nothing here\n---\n\n")

    # then
    assert any("no body" in p.message and p.line == 4 for p in found)
