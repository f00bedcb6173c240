"""The sanitizer and the URL check every format and field goes through."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressroom import markup
from pressroom import text as text_module


@pytest.mark.parametrize("url", [
    "https://example.org/a", "http://example.org", "mailto:desk@example.org", "/posts/a/", "media/a.png",
    "#section", "?q=1", "../up", "/a:b",
])
def test_safe_urls_pass(url: str) -> None:
    assert markup.is_safe_url(url)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "jav&#x61;script:alert(1)", "&#106;avascript:alert(1)", "javascript&colon;alert(1)",
    "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=", "data:image/png;base64,AAAA", "file:///etc/passwd",
    "\x01javascript:alert(1)", "x:y", "", "   ",
])
def test_unsafe_urls_fail(url: str) -> None:
    assert not markup.is_safe_url(url)


def test_sanitize_keeps_the_allowlist_and_drops_everything_else() -> None:
    # given
    html = ('<p class="x" id="y">Text <strong>bold</strong> <u>under</u></p><form><input name=a></form>'
            '<div><blockquote>Quote</blockquote></div><marquee>old</marquee>')

    # then
    assert markup.sanitize(html) == "<p>Text <strong>bold</strong> <u>under</u></p><blockquote>Quote</blockquote>old"


def test_sanitize_drops_the_content_of_script_like_elements() -> None:
    # given
    html = ("<script>a()</script><style>b{}</style><template>c</template><noscript>d</noscript>"
            "<svg><text>e</text></svg><math><mi>f</mi></math><textarea>g</textarea><p>kept</p>")

    # then
    assert markup.sanitize(html) == "<p>kept</p>"


@pytest.mark.parametrize(("attribute", "kept"), [
    ('width="640"', 'width="640"'), ('width="100%"', ""), ('width="-1"', ""), ('height="99999999999"', ""),
])
def test_image_sizes_are_kept_only_as_whole_pixels(attribute: str, kept: str) -> None:
    # when
    html = markup.sanitize(f'<img src="/a.png" alt="A" {attribute}>')

    # then
    assert html == f'<img src="/a.png" alt="A"{" " + kept if kept else ""} loading="lazy">'


def test_table_cell_alignment_becomes_a_class_and_no_other_style_is_kept() -> None:
    # when: the site's Content-Security-Policy would block any inline style
    html = markup.sanitize('<table><tr><td style="text-align: right; background: url(javascript:x)">a</td>'
                           '<td style="text-align:center">b</td><th class="x">c</th></tr></table>')

    # then
    assert '<td>a</td><td class="align-center">b</td><th>c</th>' in html
    assert "style" not in html and "javascript" not in html


def test_code_class_keeps_only_a_language_name() -> None:
    # when
    html = markup.sanitize('<pre><code class="language-py">x</code></pre><code class="evil x">y</code>')

    # then
    assert html == '<pre><code class="language-py">x</code></pre><code>y</code>'


def test_images_without_a_safe_source_are_dropped() -> None:
    assert markup.sanitize('<p><img src="javascript:alert(1)" alt="x">text</p>') == "<p>text</p>"


def test_clean_text_removes_characters_no_document_may_hold() -> None:
    # given
    text = "a\x00b\x07c\x1bd\x85e\ud800f\ufffeg\U0010ffffh\tI\nJ"

    # then
    assert text_module.clean_text(text) == "abcdefgh\tI\nJ"


def test_plain_text_is_the_visible_words_of_a_fragment() -> None:
    assert markup.plain_text("<p>Fish &amp; <em>chips</em></p>\n<script>x()</script><p>two</p>") == "Fish & chips two"


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_the_ascii_fast_path_removes_what_the_full_rule_removes(text: str) -> None:
    assert text_module._STRAY_ASCII.sub("", text) == text_module._STRAY.sub("", text)
    assert text_module.clean_text(text) == text_module._STRAY.sub("", text)


def test_every_ascii_character_is_kept_or_removed_as_the_full_rule_says() -> None:
    for code in range(0x80):
        text = f"a{chr(code)}b"
        assert text_module.clean_text(text) == text_module._STRAY.sub("", text), hex(code)


_PIECES = st.sampled_from([
    "<p>", "</p>", "<a href=\"https://example.org/?a=1&b=2\" title='x > y \"q\"'>", "</a>", "<li>", "<ul>", "</ul>",
    "<h1>", "</h1>", "<img src=\"/media/a.png\" alt=\"a > b\">", "<br>", "<br/>", "<td style=\"text-align: right\">",
    "<time datetime=\"2026-01-01\">", "</time>", "<ol reversed start=\"3\">", "<code class=\"language-py\">",
    "<script>x</script>", "<!-- note -->", "<span>", "</em>", "&amp;", "&nbsp;", "&lt;", "&quot;", "\u00a0", "<", ">",
    "Ağ şəhər", "Привет", " ", "\n", "text", "<table><tr><td>", "<blockquote>", "<div>", "<pre>",
])


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_the_serialized_tree_is_the_tree_htmlparser_reads(html: str) -> None:
    import nh3

    # given: markup as the sanitizer leaves it
    cleaned = nh3.clean(html, tags=set(markup.ALLOWED_TAGS), clean_content_tags=set(markup.DROPPED_WITH_CONTENT),
                        attributes={k: set(v) for k, v in markup.ALLOWED_ATTRIBUTES.items()},
                        url_schemes=set(markup.SAFE_SCHEMES), link_rel="noopener noreferrer",
                        attribute_filter=markup._attribute_filter, strip_comments=True)
    builder = markup._TreeBuilder()
    builder.feed(cleaned)
    builder.close()

    # then: the fast reading builds the same tree, and so does it for markup of any other shape
    assert markup._tree(cleaned) == builder.root
    other = markup._TreeBuilder()
    other.feed(html)
    other.close()
    assert markup._tree(html) == other.root


@given(st.lists(_PIECES | st.sampled_from(["<pre>\n", "\n</pre>", "<pre>", "*a*", "`x`", "    code\n"]),
                max_size=40).map("".join))
def test_the_text_of_written_markup_is_the_text_a_parser_reads(source: str) -> None:
    # given: a body as an HTML article and as Markdown leave it
    for html in (markup.sanitize(source), markup.markdown_to_html(source)):
        # then: cutting its tags out gives the text the HTML parser reads, and its words are the ones counted
        assert markup.written_text(html) == markup.plain_text(html)
        assert markup.word_count(html) == len(markup.written_text(html).split())
        assert markup.word_count(source) == len(markup.written_text(source).split())


# --- Markdown (cmark-gfm) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "shown"), [
    ("Before <b onclick=\"x()\">bold</b> after", "<p>Before &lt;b onclick=\"x()\"&gt;bold&lt;/b&gt; after</p>"),
    ("<div>\nA block\n</div>", "<p>&lt;div&gt;\nA block\n&lt;/div&gt;</p>"),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("a < b and <<double>>", "<p>a &lt; b and &lt;&lt;double&gt;&gt;</p>"),
    ("<b>*still emphasis*</b>", "<p>&lt;b&gt;<em>still emphasis</em>&lt;/b&gt;</p>"),
    ("An escaped \\<b> tag", "<p>An escaped &lt;b&gt; tag</p>"),
    ("`<b>` in code", "<p><code>&lt;b&gt;</code> in code</p>"),
])
def test_raw_html_in_markdown_is_the_text_the_author_wrote(source: str, shown: str) -> None:
    assert markup.markdown_to_html(source).strip() == shown


def test_autolinks_and_addresses_in_angle_brackets_stay_links() -> None:
    html = markup.markdown_to_html("<https://example.org/a?b=c&d> <desk@example.org> [map](<a b.png>)")
    assert 'href="https://example.org/a?b=c&amp;d"' in html and 'href="mailto:desk@example.org"' in html
    assert 'href="a%20b.png"' in html


def test_a_link_with_a_script_address_keeps_its_words_and_loses_its_address() -> None:
    assert markup.markdown_to_html("[read](javascript:alert(1)) [this](vbscript:x)").strip() == \
        '<p><a rel="noopener noreferrer">read</a> <a rel="noopener noreferrer">this</a></p>'


def test_struck_through_text_is_marked_as_no_longer_accurate() -> None:
    assert markup.markdown_to_html("~~cheques~~ no longer, ~one tilde~ stays").strip() == \
        "<p><s>cheques</s> no longer, ~one tilde~ stays</p>"


def test_rendering_markdown_keeps_no_memory_behind() -> None:
    # given: a warm function, or a build, renders thousands of articles in one process
    def resident_kib() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4

    body = ("A paragraph with *emphasis*, a [link](https://example.org) and <raw> HTML.\n\n" * 40
            + "| a | b |\n|---|---|\n| 1 | 2 |\n")
    markup.markdown_to_html(body)
    before = resident_kib()

    # when
    for _ in range(3000):
        markup.markdown_to_html(body)

    # then: the document trees and the HTML the C library allocated are freed (a leak here is ~50 MB)
    assert resident_kib() - before < 8 * 1024


_MARKDOWN_PIECES = st.sampled_from([
    "# Heading\n", "## Sub\n", "###### Six\n", "para text ", "*em* ", "**strong** ", "~~gone~~ ", "`code` ",
    "[link](https://example.org) ", "[t](https://e.org \"it's\") ", "[q](https://e.org/it's) ",
    "[lt](https://e.org/?a=<b>) ", "![alt](media/a.png) ", "![](https://e.org/x.png \"t\") ",
    "&nbsp;", "&amp; ", "&lt;tag&gt; ", "<b>raw</b> ", "<time>x</time> ", "it's \"quoted\" ", "\n", "\n\n",
    "- item\n", "1. first\n", "  - nested\n", "> quote\n", ">> deeper\n", "```python\nx = 1\n```\n",
    "    indented code\n", "---\n", "| a | b |\n|:--|--:|\n| 1 | 2 |\n", "line  \nbreak ", "<https://auto.link> ",
    "[ref]\n\n[ref]: https://e.org/ref \"Title\"\n", "Bakı şəhəri ", "\u00a0", "<!-- note -->\n",
])


@given(st.lists(_MARKDOWN_PIECES, max_size=30).map("".join))
def test_markdown_skips_the_tidy_pass_only_where_it_would_change_nothing(text: str) -> None:
    # given: cmark-gfm's HTML for any mix of what articles write
    rendered = markup._render_markdown(text)

    # then: the sanitized Markdown is the same whether or not the tidy pass ran on it
    assert markup.sanitize(rendered, from_markdown=True) == markup.sanitize(rendered)


def test_a_plain_markdown_article_is_sanitized_without_the_tidy_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: paragraphs, emphasis, links, lists, quotes and code, as most articles are
    body = ("BAKU, March 9 - The *council* said [on Tuesday](https://example.org/a?b=1&c=2) that **it's** done.\n\n"
            "- one\n- two\n\n> a quote\n\n```\ncode & <more>\n```\n\n## Background\n\nText.\n")

    def tidied(html: str) -> str:
        raise AssertionError("the tidy pass ran")

    monkeypatch.setattr(markup, "tidy", tidied)

    # when
    html = markup.markdown_to_html(body)

    # then
    assert "<h2>Background</h2>" in html and '<a href="https://example.org/a?b=1&amp;c=2"' in html
