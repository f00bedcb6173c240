"""Bounds on the work one upload can cause: each costly construct past its bound is a rejection that names the
bound; just under it, the article publishes whole."""

from __future__ import annotations

import json

import pytest

from pressroom import markup
from tests.unit.builders import parse, problems

FRONT = "---\ntitle: Bounds\ndate: 2026-01-01\n---\n"


def _md(body: str) -> list[str]:
    return [p.message for p in problems("articles/bounds.md", FRONT + body)]


def test_markdown_nested_thirty_levels_keeps_its_last_sentence() -> None:
    # given: thirty levels of quotes in lists (a Markdown renderer's default bound can be lower)
    body = "> - " * 30 + "the sentence at the bottom\n"

    # when
    article = parse("articles/deep.md", FRONT + body)

    # then
    assert "the sentence at the bottom" in article.body_html


@pytest.mark.parametrize("body", [
    "> - " * 40 + "lost\n",
    "> " * 120 + "lost\n",
    "- " * 120 + "lost\n",
    "".join("  " * i + "- item\n" for i in range(120)) + "  " * 120 + "lost\n",
])
def test_markdown_nested_past_the_bound_is_rejected_instead_of_dropping_text(body: str) -> None:
    assert _md(body) == [f"the body nests elements more than {markup.MAX_DEPTH} levels deep"]


def test_a_run_of_delimiters_is_rejected_before_the_markdown_is_rendered() -> None:
    assert _md("*_" * 15_000) == ["the body has 30,000 emphasis marks (* _ ~), more than the limit of 20,000"]


@pytest.mark.parametrize(("body", "message"), [
    ("a\n" * markup.MAX_LINES, f"the body has {markup.MAX_LINES + 1:,} lines, more than the limit of 20,000"),
    ("x" * (markup.MAX_LINE_CHARS + 1), "line 1 of the body is 100,001 characters long, more than the limit of 100,000"),
    ("a *b* " * 10_001 + "\n", "the body has 20,002 emphasis marks (* _ ~), more than the limit of 20,000"),
    ("|x" * 20_001 + "\n", "the body has 20,001 table cell separators (|), more than the limit of 20,000"),
    ("[a](b) " * 10_001, "the body has 10,001 link and image brackets ([), more than the limit of 10,000"),
    ("> q\n" * 10_001, "the body has 10,001 quote markers (>), more than the limit of 10,000"),
    ("`a` " * 10_001, "the body has 20,002 inline code, autolink, reference and escape marks (` < & \\), more than "
                      "the limit of 20,000"),
    ("- a\n" * 10_001, "the body has 10,001 list markers, more than the limit of 10,000"),
])
def test_markdown_past_a_bound_is_rejected_naming_the_bound(body: str, message: str) -> None:
    assert _md(body) == [message]


def test_a_table_of_empty_cells_is_counted_as_it_is_made() -> None:
    # given: a header of 1,000 columns over 30 rows of one short cell each: 31,000 cells from 60 bytes of rows
    body = "|" + "h|" * 1000 + "\n|" + "-|" * 1000 + "\n" + "x\n" * 30

    # then
    assert _md(body) == ["the body's tables have at least 31,000 cells, more than the limit of 20,000"]


def test_a_table_under_the_cell_bound_publishes_whole() -> None:
    body = "|a|b|\n|-|-|\n" + "|x|y|\n" * 500 + "|last|row|\n"
    assert "<td>last</td>" in parse("articles/table.md", FRONT + body).body_html


def test_a_reference_link_with_a_huge_address_is_rejected_not_repeated() -> None:
    # given: one address of 3,000 characters used 1,000 times would make 3 MB of links
    body = "[r] " * 1000 + "\n\n[r]: https://example.org/" + "a" * 3000 + "\n"

    # then
    assert _md(body) == ["a link's address is 3,020 characters long, more than the limit of 2,000"]


def test_only_a_link_address_counts_against_the_address_bound() -> None:
    # given: a link whose title is longer than an address may be, then one whose address is
    title = "t" * 2500
    fine = f'[a](https://example.org/ "{title}")\n'

    # then: the long title alone passes, and the address after it is found
    assert title in parse("articles/title.md", FRONT + fine).body_html
    long_address = fine + "\n[b](https://example.org/" + "a" * 2100 + ")\n"
    assert _md(long_address) == ["a link's address is 2,120 characters long, more than the limit of 2,000"]


def test_a_paragraph_longer_than_the_text_run_bound_is_rejected() -> None:
    body = ("word " * 2000 + "\n") * 11
    assert _md(body) == ["a paragraph of the body is 109,999 characters long, more than the limit of 100,000"]


@pytest.mark.parametrize(("html", "message"), [
    ("<p>x</p>" * 25_001, "the file has 50,004 tags (< characters), more than the limit of 50,000"),
    ("<p>" + "&amp;" * 50_001 + "</p>", "the file has 50,001 character references (& characters), more than the "
                                        "limit of 50,000"),
    ('<p class="a" ' + 'x="y" ' * 100_001 + ">x</p>", "the file has 100,002 attributes (= characters), more than "
                                                     "the limit of 100,000"),
    ("<p>" + "word " * 20_001 + "</p>", "a paragraph of the body is 100,005 characters long, more than the limit "
                                       "of 100,000"),
])
def test_html_past_a_bound_is_rejected_naming_the_bound(html: str, message: str) -> None:
    assert [p.message for p in problems("articles/bounds.html", "<title>Bounds</title>" + html)] == [message]


def test_plain_text_past_the_line_bound_is_rejected() -> None:
    found = problems("articles/bounds.txt", "Title\n\n" + "a\n\n" * 10_000)
    assert [p.message for p in found] == ["the file has 20,003 lines, more than the limit of 20,000"]


def test_json_body_is_held_to_the_markdown_bounds() -> None:
    data = json.dumps({"title": "Bounds", "body": "- a\n" * 10_001})
    found = problems("articles/bounds.json", data)
    assert [p.message for p in found] == ["the body has 10,001 list markers, more than the limit of 10,000"]


def test_every_bound_rejection_has_a_hint() -> None:
    found = problems("articles/bounds.md", FRONT + "a\n" * (markup.MAX_LINES + 1))
    assert found[0].hint and "split" in found[0].hint
