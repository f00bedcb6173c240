"""Bounded YAML: bombs fail fast, tags never construct objects, mistakes point at their line."""

from __future__ import annotations

import os
import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pressroom import yamlsafe
from pressroom.errors import Rejected
from pressroom.site import parse_site
from tests.unit.builders import problems


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_rejected_fast() -> None:
    # given
    started = time.perf_counter()

    # when
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load(_billion_laughs())

    # then
    assert "aliases" in str(caught.value) and caught.value.line == 3
    assert time.perf_counter() - started < 0.5


def test_billion_laughs_in_front_matter_is_a_rejection_with_its_line() -> None:
    # when
    found = problems("articles/bomb.md", "---\ntitle: Bomb\n" + _billion_laughs() + "---\nBody\n")

    # then: the third line of the bomb is line 5 of the file
    assert found[0].line == 5 and "aliases" in found[0].message


def test_a_few_aliases_are_still_allowed() -> None:
    assert yamlsafe.load("base: &b [1, 2]\ncopy: *b\n") == {"base": [1, 2], "copy": [1, 2]}


def test_deep_nesting_is_rejected() -> None:
    # when / then
    with pytest.raises(yamlsafe.YamlError, match="nested deeper"):
        yamlsafe.load("a: " + "[" * 50 + "]" * 50)


def test_too_many_values_are_rejected() -> None:
    # when / then
    with pytest.raises(yamlsafe.YamlError, match="more than 5000 values"):
        yamlsafe.load("a: [" + ", ".join(["1"] * 6000) + "]")


def test_oversized_yaml_is_rejected_before_parsing() -> None:
    # when / then
    with pytest.raises(yamlsafe.YamlError, match="larger than"):
        yamlsafe.load("a: '" + "x" * (yamlsafe.MAX_YAML_CHARS + 1) + "'")


@pytest.mark.parametrize("document", [
    "!!python/object/apply:os.system ['touch /tmp/pressroom-pwned']",
    "a: !!python/object/apply:subprocess.check_output [['id']]",
    "a: !!python/name:os.system",
    "a: !!python/object/new:type [x, [], {}]",
    "!!python/module:os",
    "a: !custom thing",
    "a: !!binary aGVsbG8=",
    "a: !!set {x, y}",
])
def test_tags_outside_plain_data_are_rejected_without_running_anything(document: str) -> None:
    # when
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load(document)

    # then
    assert "not allowed" in str(caught.value)


def test_python_tag_in_front_matter_never_executes() -> None:
    # given: a tag that would create a file if anything constructed it
    text = "---\ntitle: !!python/object/apply:os.system ['touch /tmp/pressroom-yaml-ran']\n---\nBody\n"

    # when
    found = problems("articles/tag.md", text)

    # then
    assert "not allowed" in found[0].message
    assert not os.path.exists("/tmp/pressroom-yaml-ran")


def test_several_documents_are_rejected() -> None:
    with pytest.raises(yamlsafe.YamlError, match="more than one document"):
        yamlsafe.load("a: 1\n---\nb: 2\n")


def test_duplicate_key_is_rejected_naming_both_lines() -> None:
    # when
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load("title: a\nnested: {x: 1}\ntitle: b\n")

    # then
    assert caught.value.line == 3 and caught.value.key == "title" and "line 1" in str(caught.value)


def test_same_key_in_different_mappings_is_fine() -> None:
    assert yamlsafe.load("a: {name: 1}\nb: {name: 2}\n") == {"a": {"name": 1}, "b": {"name": 2}}


def test_dates_stay_text_for_the_caller_to_read() -> None:
    assert yamlsafe.load("date: 2026-03-02\nwhen: 2026-03-02T10:00:00Z\n") == {
        "date": "2026-03-02", "when": "2026-03-02T10:00:00Z"}


def test_document_gives_the_line_of_each_top_level_key() -> None:
    # when
    document = yamlsafe.load_document("# comment\nname: x\nabout: >-\n  two\n  lines\nlogo: /l.png\n")

    # then
    assert document.lines == {"name": 2, "about": 3, "logo": 6}


def test_syntax_error_reports_its_line() -> None:
    # when
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load("a: 1\nb: [1, 2\nc: 3\n")

    # then
    assert caught.value.line in (2, 3) and "invalid YAML" in str(caught.value)


def test_site_yaml_bomb_is_rejected_fast() -> None:
    # given
    started = time.perf_counter()

    # when
    with pytest.raises(Rejected):
        parse_site(_billion_laughs().encode())

    # then
    assert time.perf_counter() - started < 0.5


_WORDS = st.sampled_from([
    "Quay report", "2026-03-09", "yes", "No", "on", "null", "~", "0x1F", "0o17", "1_000", "+12", "-3", "3.5", ".inf",
    ".NaN", "1e3", "6.8e+5", "true", "<<", "=", "it's", '"quoted"', "'single'", "a, b", "[x]", "{y}", "a: b", "a #c",
    "a:b", "Bakı şəhəri", "Москва", "x\u00a0y", "\u2028", "\t", "!tag", "&anchor", "*alias", "|", ">", "%", "@",
    "`", "-", "- item", "?", "", " ", "  lead", "trail  ", "ü", "1:30", "2026-03-09T10:00:00Z",
    "true", "TRUE", "Off", "OFF", "nULL", "yEs", "y", "n", "o", "~x", "1e-3", "1-2", "-1-2", "0-1", "+1-2", ".5-1",
    "1.5e-3", "0x1F-2", "017", "0b101", "1_0-0", "-.inf", "<<x", "=x",
    # a colon or a hash inside a plain value: text, unless a space follows the colon or comes before the hash
    "https://example.org/a", "http://a.b:8080/x?y", "C# news", "x#y", "a:b:c", "a:", "a:#", "a#:b", "10:30:00",
    "1:2:3", "-1:30", "a: b:c", "a :b", "a# b", "a #", "x:\u00a0y", "x\u00a0#y", "x\u3000#y", "::", "a::b",
    "190:20:30.15", "1:30.5", "0x1:2", "+1:2", "a :", ":", "#", "t:1", "yes:no", "null:x",
    # decimal integers, and what looks like one
    "10", "0", "7", "00", "007", "08", "10_0", "999999999999999999", "1234567890123456789012", "1.", "10e", "٣",
])
_NAMES = st.sampled_from(["title", "date", "tags", "slug", "draft", "yes", "null", "_x", "a-b", "Title", "1a", "on"])
_PAIRS = st.tuples(_NAMES, _WORDS).map(lambda pair: f"{pair[0]}: {pair[1]}")
_LINES = st.one_of(
    _PAIRS, _PAIRS, _PAIRS,
    st.tuples(_NAMES, st.lists(_WORDS, max_size=4), st.sampled_from([", ", ",", " , "]),
              st.sampled_from(["[{}]", "[ {} ]", "[{} ]"])).map(
        lambda parts: f"{parts[0]}: " + parts[3].format(parts[2].join(parts[1]))),
    _NAMES.map(lambda name: f"{name}:"),
    st.sampled_from(["", "   ", "\u00a0", " \u3000", "# comment", "  continued", "---", "title:[x]", "title:x", "- a", "title: a  # c"]),
)


@settings(max_examples=1000)
@given(st.lists(_LINES, min_size=1, max_size=8).map("\n".join))
@example("title: a: b")
@example("tags: [a:b]")
@example("title: x\u2028y")
@example("title:[x]")
@example("yes: 1\nno: 2")
@example("title: a\n\u00a0\ndate: b")
@example("title: a\n \u00a0\ndate: b")
@example("\u3000")
@example("y:\n  \u3000")
@example("base_url: https://gazette.example.org\ntitle: C# news\ntime: 12:30")
@example("# the site\nname: Gazette\n#posts_per_page: 5\nposts_per_page: 10")
@example("k" * 1024 + ": v")
@example("a:\n" + "k" * 1025 + ":")  # longer than a key may be
def test_simple_front_matter_reads_as_the_loader_reads_it(text: str) -> None:
    # given: front matter of the lines articles write, and of lines only the loader reads right
    simple = yamlsafe._simple(text)

    # then: read without the loader, it is what the loader reads, with the same lines; or the loader reads it
    if simple is not None:
        loaded = yamlsafe._loaded(text)
        assert repr(simple.value) == repr(loaded.value)  # repr: nan, and True against 1
        assert simple.lines == loaded.lines


def test_typical_front_matter_is_read_without_the_loader() -> None:
    text = "title: Bakı limanı yenidən açılır\ndate: 2026-03-09\ntags: [port, şəhər]\ndraft: no\nslug: liman\n"
    assert yamlsafe._simple(text) == yamlsafe.Document(
        {"title": "Bakı limanı yenidən açılır", "date": "2026-03-09", "tags": ["port", "şəhər"], "draft": False,
         "slug": "liman"}, {"title": 1, "date": 2, "tags": 3, "draft": 4, "slug": 5})


def test_the_characters_read_without_the_loader_are_those_yaml_prints_as_they_are() -> None:
    # YAML 1.1's printable characters, less tab and every line break but \n: all that the simple reading admits
    allowed = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
    for code in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        char = chr(code)
        assert (yamlsafe._OUTSIDE_SIMPLE.search(char) is None) == bool(allowed.fullmatch(char)), hex(code)


def test_typical_settings_are_read_without_the_loader() -> None:
    text = "# shared by every page\nname: Gazette\nbase_url: https://news.example.org\nposts_per_page: 10\n"
    assert yamlsafe._simple(text) == yamlsafe.Document(
        {"name": "Gazette", "base_url": "https://news.example.org", "posts_per_page": 10},
        {"name": 2, "base_url": 3, "posts_per_page": 4})


def test_typical_front_matter_is_read_without_importing_pyyaml() -> None:
    import subprocess
    import sys

    code = ("import sys; from pressroom import yamlsafe; "
            "yamlsafe.load_document('title: The port reopens\\ndate: 2026-03-09\\ntags: [port, city]\\ndraft: false'); "
            "print('yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
