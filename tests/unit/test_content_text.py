"""Plain-text articles as newsrooms file them: title line, dateline, paragraphs, typography kept."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.builders import SITE, parse, problem_for, problems

SEED_LIKE = (
    "Harbour works begin on the east quay\n"
    "\n"
    "September 20, 2023: The port authority has begun “urgent repairs” on the east quay.\n"
    "\n"
    "The harbour master’s office said the work — long delayed — would take a month.\n"
    "\n"
    " Traders were told to expect some noise.\n"
)


def test_first_line_is_the_title_and_blank_lines_separate_paragraphs() -> None:
    # when
    article = parse("articles/quay.txt", SEED_LIKE)

    # then
    assert article.title == "Harbour works begin on the east quay"
    assert article.body_html.count("<p>") == 3
    assert "<p>Traders were told to expect some noise.</p>" in article.body_html
    assert article.format == "txt"


def test_dateline_gives_the_date_on_the_sites_calendar() -> None:
    # when
    article = parse("articles/quay.txt", SEED_LIKE)

    # then: midnight of that day in the site's timezone (Lisbon is UTC+1 in September)
    assert article.date is not None
    assert article.date.date() == date(2023, 9, 20)
    assert article.date.isoformat() == "2023-09-20T00:00:00+01:00"
    assert article.dateline == "September 20, 2023"


def test_dateline_is_rendered_as_the_dateline_of_the_first_paragraph() -> None:
    # when
    html = parse("articles/quay.txt", SEED_LIKE).body_html

    # then
    assert html.startswith('<p><span class="dateline"><time datetime="2023-09-20">September 20, 2023</time>:</span>'
                           " The port authority")


def test_typographic_quotes_and_dashes_are_kept_exactly() -> None:
    # when
    html = parse("articles/quay.txt", SEED_LIKE).body_html

    # then
    assert "“urgent repairs”" in html
    assert "harbour master’s office" in html
    assert "work — long delayed — would" in html


def test_summary_is_the_first_paragraph_without_its_dateline() -> None:
    # when
    article = parse("articles/quay.txt", SEED_LIKE)

    # then
    assert article.summary == "The port authority has begun “urgent repairs” on the east quay."


@pytest.mark.parametrize(("opening", "expected", "dateline"), [
    ("March 2, 2026: Text.", date(2026, 3, 2), "March 2, 2026"),
    ("Sept. 20, 2023 — Text.", date(2023, 9, 20), "Sept. 20, 2023"),
    ("Sep 20th, 2023 - Text.", date(2023, 9, 20), "Sep 20th, 2023"),
    ("20 September 2023: Text.", date(2023, 9, 20), "20 September 2023"),
    ("LISBON, March 2, 2026 – Text.", date(2026, 3, 2), "LISBON, March 2, 2026"),
    ("NEW YORK, Dec. 1, 2025: Text.", date(2025, 12, 1), "NEW YORK, Dec. 1, 2025"),
    ("MAY 5, 2024: Text.", date(2024, 5, 5), "MAY 5, 2024"),
])
def test_common_dateline_styles_are_recognised(opening: str, expected: date, dateline: str) -> None:
    # when
    article = parse("articles/d.txt", f"Title\n\n{opening}\n")

    # then
    assert article.date is not None and article.date.date() == expected
    assert article.dateline == dateline


@pytest.mark.parametrize("opening", [
    "March 2, 2026 was a day like any other.",
    "On March 2 the market reopened.",
    "2026-03-02: a date in another style is text.",
])
def test_a_date_inside_a_sentence_is_not_a_dateline(opening: str) -> None:
    # when
    article = parse("articles/d.txt", f"Title\n\n{opening}\n")

    # then
    assert article.date is None and article.dateline == ""
    assert article.body_html == f"<p>{opening}</p>"


def test_text_without_dateline_is_undated_until_first_publication() -> None:
    # when
    article = parse("articles/undated.txt", "A title\n\nA body without a date.\n")

    # then
    assert article.date is None
    assert article.timezone == SITE.timezone


def test_impossible_dateline_is_rejected_with_its_line() -> None:
    # when
    found = problems("articles/bad.txt", "Title\n\n\nFebruary 30, 2026: Text.\n")

    # then
    problem = problem_for("date", found)
    assert problem.line == 4 and "not a real date" in problem.message and problem.hint


def test_wrapped_lines_inside_a_paragraph_join_with_a_space() -> None:
    # when
    html = parse("articles/w.txt", "Title\n\nThe first half of a sentence\nand its second half.\n").body_html

    # then
    assert html == "<p>The first half of a sentence and its second half.</p>"


def test_markup_in_plain_text_is_escaped() -> None:
    # when
    html = parse("articles/m.txt", 'Title <b>\n\nFish & chips <script>alert("x")</script>\n').body_html

    # then
    assert html == '<p>Fish &amp; chips &lt;script&gt;alert("x")&lt;/script&gt;</p>'


def test_title_only_text_is_rejected_for_having_no_body() -> None:
    # when
    found = problems("articles/t.txt", "\n\nJust a title\n")

    # then
    assert any("no body" in p.message and p.line == 4 for p in found)


def test_windows_line_endings_and_a_byte_order_mark_are_accepted() -> None:
    # given
    data = "\ufeffTitle\r\n\r\nMarch 2, 2026: Body.\r\n".encode()

    # when
    article = parse("articles/win.txt", data)

    # then
    assert article.title == "Title" and article.date is not None
