"""The theme in the site's language: complete catalogs, plural forms, Babel dates, right-to-left pages, theme
folders that add or override a language, and localized datelines."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from pressroom import i18n, render
from pressroom.content import parse_article
from pressroom.model import Post
from pressroom.site import Site

THEME = render.DEFAULT_THEME
SHIPPED = ("en", "az", "ru")


def _msgids() -> set[str]:
    """Every interface string the templates and render.py mark for translation (what a catalog must hold)."""
    from babel.messages.extract import extract_from_dir

    found = set()
    for method, folder in (("jinja2", THEME / "templates"), ("python", THEME.parent)):
        mapping = [("*.html", "jinja2")] if method == "jinja2" else [("render.py", "python")]
        options = {"*.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
        for _, _, message, _, _ in extract_from_dir(str(folder), mapping, options_map=options,
                                                    keywords={"_": None, "gettext": None, "ngettext": (1, 2)}):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_catalog_translates_every_interface_string_with_its_plural_forms(language: str) -> None:
    from babel.messages.plurals import get_plural
    from babel.messages.pofile import read_po

    with (THEME / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    ids = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    assert set(ids) == _msgids()
    for message in ids.values():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id
    assert catalog.num_plurals == get_plural(language).num_plurals  # gettext's count for the language


@pytest.mark.parametrize(("minutes", "text"), [(1, "1 минута"), (3, "3 минуты"), (5, "5 минут"), (11, "11 минут"),
                                                (21, "21 минута"), (24, "24 минуты")])
def test_russian_reading_time_takes_the_three_plural_forms(minutes: int, text: str) -> None:
    assert render.load_theme().translations("ru").ngettext(
        "%(num)d min read", "%(num)d min read", minutes) % {"num": minutes} == f"{text} чтения"


def _post(n: int) -> Post:
    return Post(slug=f"p{n}", title=f"Story {n}", date=datetime(2023, 9, 20, 9))


def _pages(language: str) -> dict[str, bytes]:
    theme, site = render.load_theme(), Site(language=language, name="Bakı Xəbər")
    article = parse_article("articles/x.md", b"---\ntitle: X\ndate: 2023-09-20\ntags: [Port]\n---\nBody.\n", site)
    posts = [_post(1), _post(2)]
    pages = [render.article_page(theme, site, article, posts), render.home_page(theme, site, posts, [(2023, 9)]),
             render.month_page(theme, site, 2023, 9, posts, posts),
             render.tag_page(theme, site, "port", "Port", posts, [2023], posts),
             render.tag_year_page(theme, site, "port", "Port", 2023, posts, posts),
             render.not_found_page(theme, site, posts), render.tombstone_page(theme, site, "posts/y/index.html"),
             render.home_page(theme, site, [], [])]
    return {p.key + str(i): p.body for i, p in enumerate(pages)}


def _visible(body: bytes) -> str:
    text = re.sub(r"<script.*?</script>|<meta[^>]*>|<link[^>]*>", "", body.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", text) + " ".join(re.findall(r'alt="([^"]*)"', text))


@pytest.mark.parametrize("language", ["az", "ru"])
def test_an_azerbaijani_or_russian_site_shows_no_english_interface_string(language: str) -> None:
    english = {m.split("%(")[0].split("<")[0].strip() for m in _msgids()} - {""}
    for key, body in _pages(language).items():
        visible = _visible(body)
        left = [m for m in english if m in visible]
        assert not left, (key, left)


def test_dates_read_as_the_language_writes_them() -> None:
    az, ru, en = (b"".join(_pages(lang).values()).decode() for lang in ("az", "ru", "en"))
    assert "20 sentyabr 2023" in az and "Sentyabr 2023" in az
    assert "20 сентября 2023" in ru and "Сентябрь 2023" in ru
    assert "September 20, 2023" in en and "September 2023" in en
    # machine formats stay standard
    assert 'datetime="2023-09-20T00:00:00+00:00"' in az


def test_a_right_to_left_language_gets_dir_rtl_and_the_css_uses_logical_sides() -> None:
    assert b'<html lang="ar" dir="rtl">' in _pages("ar")["index.html1"]
    assert b'<html lang="az" dir="ltr">' in _pages("az")["index.html1"]
    css = (THEME / "static" / "style.css").read_text()
    physical = re.findall(r"(?:margin|padding|border)-(?:left|right)|[{;]\s*(?:left|right)\s*:", css)
    assert physical == []


def test_a_theme_folder_overrides_a_string_and_adds_a_language(tmp_path: Path) -> None:
    for language, text in (("az", "Biz kimik"), ("tr", "Hakkımızda")):
        folder = tmp_path / "locale" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgid "About Us"\nmsgstr "{text}"\n', encoding="utf-8")
    theme = render.Theme(tmp_path)
    az = theme.translations("az")
    assert az.gettext("About Us") == "Biz kimik" and az.gettext("Recent Posts") == "Son yazılar"
    assert theme.translations("tr").gettext("About Us") == "Hakkımızda"
    assert theme.has_catalog("tr") and not render.load_theme().has_catalog("tr")


@pytest.mark.parametrize("language", ["en", "az", "ru"])
@pytest.mark.parametrize("source", [
    '{{ _("About Us") }}|{{ gettext("Recent Posts") }}',
    '{{ _("%(site)s Logo", site=name) }}',  # a variable is escaped, the translation is markup
    '{{ _("100%% local") }}|{{ _("%(a)s and %(b)s", a=name, b=1) }}',
    '{{ ngettext("%(num)d min read", "%(num)d min read", n) }}|{{ ngettext("%(num)d x", "%(num)d xs", n, num=7) }}',
    '{% trans %}Archive of <b>{{ name }}</b>{% endtrans %}|{% trans count=n %}{{ count }} one{% pluralize %}'
    '{{ count }} many{% endtrans %}',
    '{% autoescape false %}{{ _("%(site)s Logo", site=name) }}{% endautoescape %}',
])
def test_the_interface_strings_render_as_jinjas_own_newstyle_gettext_renders_them(language: str, source: str,
                                                                                   ) -> None:
    # the theme installs its own gettext callables, leaner than the i18n extension's: same output
    import jinja2

    theme = render.load_theme()
    translations = theme.translations(language)
    jinjas = jinja2.Environment(**render._template_options())
    jinjas.install_gettext_callables(translations.gettext, translations.ngettext, newstyle=True)  # type: ignore
    values = {"site": Site(language=language), "name": "Kiçik & <Böyük>", "n": 3}
    for n in (1, 3, 5):
        values["n"] = n
        assert theme.env.from_string(source).render(values) == jinjas.from_string(source).render(values)


@pytest.mark.parametrize(("language", "moved"), [("az", "Bu səhifə yeni ünvana köçürülüb"),
                                                  ("ru", "Эта страница перемещена по адресу"),
                                                  ("en", "This page has moved to")])
def test_a_redirect_page_reads_in_the_sites_language(language: str, moved: str) -> None:
    # the body a client sees that follows no redirect (a built folder served as it is)
    page = render.redirect_page("old/story.html", "/posts/a&b/", render.load_theme(), Site(language=language))
    body = page.body.decode()
    assert f'<html lang="{language}"' in body and moved in body
    assert '<a href="/posts/a&amp;b/">/posts/a&amp;b/</a>' in body and page.redirect == "/posts/a&b/"


def test_a_site_without_about_shows_the_default_in_its_language() -> None:
    theme = render.load_theme()
    assert render.DEFAULT_ABOUT == Site().about == "An independent newsroom publishing with Pressroom."  # the msgid
    site = Site(language="az")
    sidebar = render.not_found_page(theme, site).body.decode()
    assert "Pressroom ilə nəşr olunan müstəqil xəbər redaksiyası." in sidebar and "An independent" not in sidebar
    assert "Pressroom ilə" in render.rss_feed(render.localized(theme, site), []).body.decode()
    own = Site(language="az", about="Bizim haqqımızda.")  # a site's own text is left as written
    assert render.localized(theme, own) is own
    assert render.localized(theme, Site()) == Site()  # and English stays English


def test_a_language_without_a_catalog_reads_english_with_a_warning() -> None:
    theme, site = render.load_theme(), Site(language="fr")
    assert b"About Us" in _pages("fr")["index.html1"]
    (warning,) = render.language_warnings(theme, site)
    assert warning.severity == "warning" and warning.field == "language" and "'fr'" in warning.message
    assert render.language_warnings(theme, Site(language="en-GB")) == []
    assert render.language_warnings(theme, Site(language="az")) == []


@pytest.mark.parametrize(("language", "body", "place"), [
    ("az", "20 sentyabr 2023: Bakıda park açıldı.", ""),
    ("ru", "БАКУ, 20 сентября 2023 — В Баку открылся парк.", "БАКУ, "),
    ("ru", "20 сент. 2023: парк.", ""),
    ("az", "September 20, 2023: English still reads.", ""),
])
def test_a_text_dateline_may_name_the_month_in_the_sites_language(language: str, body: str, place: str) -> None:
    article = parse_article("articles/x.txt", f"Title\n\n{body}\n".encode(), Site(language=language))
    assert article.date is not None and article.date.date().isoformat() == "2023-09-20"
    assert article.dateline.startswith(place)


def test_language_tags_find_their_catalog_and_locale() -> None:
    assert i18n.candidates("en-GB") == ["en_GB", "en"]
    assert i18n.candidates("az-Latn-AZ") == ["az_Latn_AZ", "az_Latn", "az"]
    assert i18n.long_date(datetime(2023, 9, 20), "az-AZ") == "20 sentyabr 2023"


def test_a_month_heading_is_capitalised_as_its_language_writes_it() -> None:
    assert [i18n.month_year(2025, month, "az") for month in (6, 7, 9)] == ["İyun 2025", "İyul 2025", "Sentyabr 2025"]
    assert i18n.month_year(2025, 7, "tr") == "Temmuz 2025"
    assert i18n.capitalized("iyul", "tr-TR") == "İyul" and i18n.capitalized("iyul", "en") == "Iyul"


_DATES_SEEN = r"""
import json, sys
from datetime import date
import babel
from pressroom import i18n
seen = {"babel": babel.__file__}
for tag in json.loads(sys.argv[1]):
    seen[tag] = [str(i18n.babel_locale(tag)), i18n.has_dates(tag), sorted(i18n.month_names(tag).items()),
                 [i18n.long_date(date(2026, month, 9 + month), tag) for month in range(1, 13)],
                 [i18n.month_year(2026, month, tag) for month in range(1, 13)]]
print(json.dumps(seen))
"""


def _babel_copy(folder: Path, *, trimmed: bool) -> Path:
    """Babel's package as the layer ships it: its locales cut to LAYER_LOCALES, their data trimmed or whole."""
    import shutil

    import babel

    package = folder / "babel"
    shutil.copytree(Path(babel.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    if trimmed:
        i18n.trim_babel(package)
    else:
        for data in (package / "locale-data").glob("*.dat"):
            if data.stem != "root" and data.stem not in i18n.LAYER_LOCALES:
                data.unlink()
    return folder


@pytest.mark.slow
def test_the_layers_trimmed_babel_data_dates_every_language_as_the_whole_data_does(tmp_path: Path) -> None:
    # given: every locale Babel knows (most read English in the layer), and regional and odd tags
    import json
    import os
    import subprocess
    import sys

    from babel import localedata

    tags = sorted({*localedata.locale_identifiers(), "az-AZ", "ru-RU", "en-GB", "EN", "az_Latn", "pt-BR", "xx",
                   "sr-Cyrl-RS", "zh-Hant-TW", "ka-GE", "he-IL", "fa-IR"})

    # when: the dates each tag gets from the layer's locales, with their data whole and trimmed
    def dates_with(babel_folder: Path) -> dict[str, object]:
        env = {**os.environ, "PYTHONPATH": str(babel_folder)}
        run = subprocess.run([sys.executable, "-c", _DATES_SEEN, json.dumps(tags)], env=env, capture_output=True,
                             text=True, check=False, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads(run.stdout)

    whole = dates_with(_babel_copy(tmp_path / "whole", trimmed=False))
    trimmed = dates_with(_babel_copy(tmp_path / "trimmed", trimmed=True))

    # then: the same for every tag, and the trimmed data is a fraction of the whole
    assert str(whole.pop("babel")).startswith(str(tmp_path / "whole"))
    assert str(trimmed.pop("babel")).startswith(str(tmp_path / "trimmed"))
    assert trimmed == whole
    assert whole["az-AZ"][3][8] == "18 sentyabr 2026" and whole["pt-BR"][0] == "en"
    size = sum(p.stat().st_size for p in (tmp_path / "trimmed" / "babel").glob("**/*.dat"))
    assert size < sum(p.stat().st_size for p in (tmp_path / "whole" / "babel").glob("**/*.dat")) / 4
