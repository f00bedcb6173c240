"""JSON articles, as CMS webhooks send them: the front-matter fields plus a Markdown body."""

from __future__ import annotations

import json

from tests.unit.builders import parse, problem_for, problems


def test_json_fields_and_markdown_body_become_the_article() -> None:
    # given
    doc = {"title": "Council agrees a smaller budget", "date": "2026-02-27", "author": "Tomás Lima",
           "tags": ["Council"], "body": "Councillors voted *9 to 4*.\n\nSecond paragraph."}

    # when
    article = parse("articles/budget.json", json.dumps(doc, ensure_ascii=False))

    # then
    assert article.title == "Council agrees a smaller budget"
    assert article.author == "Tomás Lima"
    assert article.tags == ("Council",)
    assert article.date is not None and article.date.isoformat() == "2026-02-27T00:00:00+00:00"
    assert "<em>9 to 4</em>" in article.body_html
    assert article.format == "json"


def test_json_syntax_error_names_its_line() -> None:
    # when
    found = problems("articles/broken.json", '{\n "title": "x",\n "body": "y",\n}\n')

    # then
    assert found[0].line == 4 and "invalid JSON" in found[0].message and found[0].hint


def test_json_that_is_not_an_object_is_rejected() -> None:
    # when
    found = problems("articles/list.json", '["title", "body"]')

    # then
    assert "one object" in found[0].message


def test_json_without_body_is_rejected_naming_the_body_field() -> None:
    # when
    found = problems("articles/nobody.json", '{"title": "x"}')

    # then
    assert problem_for("body", found).hint


def test_json_field_given_twice_is_rejected() -> None:
    # when
    found = problems("articles/twice.json", '{"title": "a", "title": "b", "body": "x"}')

    # then
    assert "twice" in problem_for("title", found).message


def test_json_problems_point_at_the_line_of_the_field() -> None:
    # given
    text = '{\n  "title": "x",\n  "date": "yesterday",\n  "body": "y"\n}'

    # when
    found = problems("articles/lines.json", text)

    # then
    assert problem_for("date", found).line == 3


def test_json_field_of_the_wrong_type_is_rejected_by_name() -> None:
    # when
    found = problems("articles/types.json", json.dumps({"title": {"text": "x"}, "tags": 5, "body": "b"}))

    # then
    assert "must be text" in problem_for("title", found).message
    assert "must be a list" in problem_for("tags", found).message


def test_deeply_nested_json_is_rejected_not_crashing() -> None:
    # when
    found = problems("articles/deep.json", "[" * 100_000 + "]" * 100_000)

    # then
    assert found[0].hint


def test_json_number_too_long_to_read_is_rejected() -> None:
    # when
    found = problems("articles/number.json", '{"title": "x", "body": "y", "draft": ' + "9" * 5000 + "}")

    # then
    assert "JSON" in found[0].message


def test_escaped_control_characters_and_lone_surrogates_are_dropped_from_fields() -> None:
    # given: JSON escapes that decode to characters no HTML or XML may hold
    text = '{"title": "Bell\\u0007 and \\ud800 half", "body": "Text\\u0000 here"}'

    # when
    article = parse("articles/controls.json", text)

    # then
    assert article.title == "Bell and half"
    assert "\x00" not in article.body_html and "Text here" in article.body_html


def test_json_nested_past_the_limit_is_rejected_with_the_limit_not_a_crash() -> None:
    from pressroom import markup

    found = problems("articles/deep.json", '{"title": "Deep", "body": "Text.", "summary": ' + "[" * 600 + '"x"' + "]" * 600 + "}")
    assert [p.message for p in found] == [f"a JSON field nests values more than {markup.MAX_DEPTH} levels deep"]
