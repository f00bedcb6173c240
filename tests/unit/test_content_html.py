"""HTML fragments: title from <title> or <h1>, date from <time datetime>, the body sanitized."""

from __future__ import annotations

from tests.unit.builders import parse, problem_for, problems

LIGHTHOUSE = (
    "<title>Lighthouse opens its doors</title>\n"
    '<time datetime="2026-03-04T10:00:00-03:00">March 4, 2026</time>\n'
    "<p>The lighthouse will be open to visitors in May.</p>\n"
    "<h2>Booking</h2>\n<p>Visits are free but must be booked.</p>\n"
)


def test_title_comes_from_the_title_element() -> None:
    # when
    article = parse("articles/lighthouse.html", LIGHTHOUSE)

    # then
    assert article.title == "Lighthouse opens its doors"
    assert "Lighthouse opens its doors" not in article.body_html
    assert article.format == "html"


def test_time_datetime_gives_the_date_and_keeps_its_offset() -> None:
    # when
    article = parse("articles/lighthouse.html", LIGHTHOUSE)

    # then
    assert article.date is not None
    assert article.date.isoformat() == "2026-03-04T10:00:00-03:00"


def test_a_date_standing_alone_is_metadata_and_leaves_the_body() -> None:
    # when
    html = parse("articles/lighthouse.html", LIGHTHOUSE).body_html

    # then
    assert "March 4, 2026" not in html
    assert "<h2>Booking</h2>" in html


def test_a_date_inside_a_paragraph_stays_as_its_dateline() -> None:
    # given
    text = '<h1>Title</h1><p><time datetime="2026-03-04">March 4, 2026</time>: The news.</p>'

    # when
    article = parse("articles/dl.html", text)

    # then
    assert article.date is not None and article.date.date().isoformat() == "2026-03-04"
    assert '<p><time datetime="2026-03-04">March 4, 2026</time>: The news.</p>' in article.body_html


def test_first_h1_is_the_title_when_there_is_no_title_element() -> None:
    # when
    article = parse("articles/h1.html", "<h1>Quay <em>repairs</em></h1><p>Body.</p><h1>Second</h1>")

    # then
    assert article.title == "Quay repairs"
    assert article.body_html == "<p>Body.</p><h2>Second</h2>"


def test_an_h1_repeating_the_title_element_is_not_shown_twice() -> None:
    # when
    html = parse("articles/both.html", "<title>Same</title><h1>Same</h1><p>Body.</p>").body_html

    # then
    assert html.strip() == "<p>Body.</p>"


def test_meta_author_description_and_keywords_fill_those_fields() -> None:
    # given
    text = ('<meta name="author" content="Ana Costa"><meta name="description" content="Short.">'
            '<meta name="keywords" content="Port, Weather"><title>T</title><p>Body.</p>')

    # when
    article = parse("articles/meta.html", text)

    # then
    assert (article.author, article.summary, article.tags) == ("Ana Costa", "Short.", ("Port", "Weather"))


def test_scripts_styles_and_event_handlers_are_removed_from_the_body() -> None:
    # given
    text = ("<title>T</title><script>alert(1)</script><style>p{}</style>"
            '<p onclick="alert(1)" style="color:red">Text <a href="javascript:alert(1)">link</a></p>'
            '<iframe src="https://evil.example"></iframe><img src="x" onerror="alert(1)">')

    # when
    html = parse("articles/xss.html", text).body_html

    # then
    assert html == '<p>Text <a rel="noopener noreferrer">link</a></p><img src="x" alt="" loading="lazy">'


def test_body_html_is_tidied_into_valid_nesting() -> None:
    # given: list items without a list, a paragraph inside a span, a time without a machine date
    text = "<h1>T</h1><li>loose</li><span><p>inner</p></span><time>today</time><ul>text<li>x</li></ul>"

    # when
    html = parse("articles/tidy.html", text).body_html

    # then
    assert html == "loose<span>inner</span><span>today</span><ul><li>text</li><li>x</li></ul>"


def test_full_documents_are_reduced_to_their_body() -> None:
    # given
    text = ("<!DOCTYPE html><html><head><title>Doc</title><link rel=stylesheet href=x.css></head>"
            "<body><p>Body.</p></body></html>")

    # when
    article = parse("articles/doc.html", text)

    # then
    assert article.title == "Doc" and article.body_html == "<p>Body.</p>"


def test_invalid_time_datetime_is_rejected_naming_the_date_and_its_line() -> None:
    # when
    found = problems("articles/t.html", '<title>T</title>\n<time datetime="soon">Soon</time>\n<p>Body</p>')

    # then
    problem = problem_for("date", found)
    assert problem.line == 2 and problem.hint


def test_html_without_title_or_h1_is_rejected() -> None:
    # when
    found = problems("articles/untitled.html", "<h2>Not a title</h2><p>Body.</p>")

    # then
    assert "<title>" in (problem_for("title", found).hint or "")


def test_html_whose_body_is_only_markup_is_rejected() -> None:
    # when
    found = problems("articles/empty.html", "<title>Empty</title><script>alert(1)</script><div></div>")

    # then
    assert any("no body" in p.message for p in found)


def test_html_nested_past_the_limit_is_rejected_with_the_limit_not_a_crash() -> None:
    from pressroom import markup

    found = problems("articles/deep.html", "<h1>Deep</h1><p>" + "<span>" * 500 + "text" + "</span>" * 500 + "</p>")
    assert [p.message for p in found] == [f"the body nests elements more than {markup.MAX_DEPTH} levels deep"]
