"""The theme in the site's language: gettext catalogs from the theme folders, dates through Babel, and the
writing direction.

Catalogs live in a theme folder as `locale/<language>/LC_MESSAGES/messages.po`. The package build and the layer
build compile each one to the `messages.mo` beside it (`compile_catalogs`); a folder holding only a `.po` (a theme
being written) is compiled in memory when it is loaded. A theme folder's catalog comes first and the default
theme's fills what it leaves out, so a folder can add a language or override a few strings. A language with no
catalog anywhere reads English, the language the templates are written in.
"""

from __future__ import annotations

import gettext
import io
import shutil
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# Languages written right to left (their base subtag); a page in one of them gets dir="rtl".
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"})
# Babel's locale data shipped in the Lambda layer: the theme's catalogs and the languages newsrooms like the
# first users' write (docs/theming.md lists them). Dates in any other language read as English ones there.
LAYER_LOCALES = ("en", "az", "ru", "tr", "uk", "ka", "hy", "kk", "uz", "de", "fr", "es", "ar", "fa",
                 "he", "ur")
# What dates read of a locale's data (format_date with the "long" and "LLLL y" patterns, Locale.months), and what
# finding and merging a locale reads of Babel's global data. The layer keeps these only: the rest (currencies,
# units, time zones, the names of languages and territories) is nine tenths of each file, and loading it all
# cost every cold start about 10 ms.
LAYER_LOCALE_KEYS = frozenset({
    "locale_id", "months", "days", "quarters", "eras", "day_periods", "day_period_rules", "date_formats",
    "time_formats", "datetime_formats", "datetime_skeletons", "week_data", "character_order",
})
LAYER_GLOBAL_KEYS = frozenset({
    "cldr", "parent_exceptions", "likely_subtags", "language_aliases", "territory_aliases", "script_aliases",
    "variant_aliases",
})
_MARGIN_S = 5


def candidates(language: str) -> list[str]:
    """Catalog and locale names for a language tag, most specific first: "en-GB" → ["en_GB", "en"]."""
    parts = [p for p in language.replace("_", "-").split("-") if p]
    if not parts:
        return [SOURCE_LANGUAGE]
    parts[0] = parts[0].lower()
    names = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return list(dict.fromkeys(names))


def base_language(language: str) -> str:
    return candidates(language)[-1]


def direction(language: str) -> str:
    return "rtl" if base_language(language) in RTL_LANGUAGES else "ltr"


def _catalog_file(folder: Path, name: str) -> Path | None:
    """The compiled catalog of `name` in a theme folder, or its source when it was edited after the compiled one
    was written (installers set both times within moments of each other, hence the margin)."""
    messages = folder / "locale" / name / "LC_MESSAGES"
    mo, po = messages / f"{DOMAIN}.mo", messages / f"{DOMAIN}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime + _MARGIN_S >= po.stat().st_mtime):
        return mo
    return po if po.is_file() else None


def _load(path: Path) -> gettext.GNUTranslations:
    if path.suffix == ".mo":
        with path.open("rb") as f:
            return gettext.GNUTranslations(f)
    return gettext.GNUTranslations(io.BytesIO(compile_po(path.read_bytes())))


def catalog_names(folders: Iterable[Path]) -> set[str]:
    """Every language a catalog in these theme folders speaks (and English, the templates' own)."""
    names = {SOURCE_LANGUAGE}
    for folder in folders:
        locale = folder / "locale"
        if locale.is_dir():
            names |= {p.name for p in locale.iterdir() if _catalog_file(folder, p.name) is not None}
    return names


def has_catalog(folders: Iterable[Path], language: str) -> bool:
    names = catalog_names(folders)
    return any(name in names for name in candidates(language))


def translations(folders: tuple[Path, ...], language: str) -> gettext.NullTranslations:
    """The interface strings of `language`: each folder's catalog in turn (most specific name first), then the
    templates' English."""
    return _translations(tuple(folders), language)


@lru_cache(maxsize=32)
def _translations(folders: tuple[Path, ...], language: str) -> gettext.NullTranslations:
    chain: list[gettext.NullTranslations] = []
    for folder in folders:
        for name in candidates(language):
            path = _catalog_file(folder, name)
            if path is not None:
                chain.append(_load(path))
    if not chain:
        return gettext.NullTranslations()
    first = chain[0]
    for later in chain[1:]:
        first.add_fallback(later)
    return first


def compile_po(source: bytes) -> bytes:
    """A `.po` catalog compiled to the `.mo` form gettext reads (Babel's reader and writer)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(source))
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def compile_catalogs(theme: Path) -> list[Path]:
    """Write `messages.mo` beside every `messages.po` of a theme folder; returns the files written."""
    written = []
    for po in sorted((theme / "locale").glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_po(po.read_bytes()))
        written.append(mo)
    return written


def prepare_layer(site_packages: str) -> None:
    """The layer build's last step: the default theme's catalogs compiled, Babel's data cut down
    (`trim_babel`), and Babel's catalog tools left out (the layer's catalogs are compiled already)."""
    root = Path(site_packages)
    compile_catalogs(root / "pressroom" / "theme")
    trim_babel(root / "babel")
    shutil.rmtree(root / "babel" / "messages", ignore_errors=True)


def trim_babel(package: Path) -> None:
    """Babel's data in its package folder cut down to what the layer's dates read: the locales of
    `LAYER_LOCALES` and the root locale every one inherits from (a regional tag such as az-AZ reads as its
    language there), each with `LAYER_LOCALE_KEYS` only, and the global data with `LAYER_GLOBAL_KEYS`, its
    likely subtags for the kept languages only. What a date reads is the same as with the whole data."""
    import pickle

    for data in (package / "locale-data").glob("*.dat"):
        if data.stem != "root" and data.stem not in LAYER_LOCALES:
            data.unlink()
            continue
        with data.open("rb") as f:
            found = pickle.load(f)
        data.write_bytes(pickle.dumps({k: v for k, v in found.items() if k in LAYER_LOCALE_KEYS}, protocol=2))
    global_data = package / "global.dat"
    with global_data.open("rb") as f:
        found = pickle.load(f)
    kept = {k: v for k, v in found.items() if k in LAYER_GLOBAL_KEYS}
    kept["likely_subtags"] = {tag: likely for tag, likely in found["likely_subtags"].items()
                              if tag.split("_")[0] in LAYER_LOCALES}
    global_data.write_bytes(pickle.dumps(kept, protocol=2))


# --- dates ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def babel_locale(language: str) -> Any:
    """Babel's locale for a language tag: the most specific one whose data is installed, else English."""
    from babel import Locale, UnknownLocaleError

    for name in candidates(language):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(SOURCE_LANGUAGE)


def has_dates(language: str) -> bool:
    """Whether Babel's data for the language is installed (else its dates read English)."""
    from babel import localedata

    return any(localedata.exists(name) for name in candidates(language))


def long_date(when: date | datetime, language: str) -> str:
    """A calendar day as the language writes it: "September 20, 2023", "20 sentyabr 2023", "20 сентября 2023 г."."""
    return _long_date(when.date() if isinstance(when, datetime) else when, language)


@lru_cache(maxsize=4096)
def _long_date(day: date, language: str) -> str:
    # a site's pages show the same days again and again (every page's Recent Posts, each post in its month,
    # tag and year): Babel formats each day once
    from babel.dates import format_date

    return format_date(day, "long", locale=babel_locale(language))


def month_year(year: int, month: int, language: str) -> str:
    """A month as an archive heading names it: "September 2023", "Sentyabr 2023", "Сентябрь 2023"."""
    from babel.dates import format_date

    text = format_date(date(year, month, 1), "LLLL y", locale=babel_locale(language))
    return capitalized(text, language)


_DOTTED_I = frozenset({"az", "tr", "crh"})  # languages whose capital of i is İ (and of ı, I)


def capitalized(text: str, language: str) -> str:
    """`text` with its first letter in capitals, as `language` writes it: Azerbaijani "iyul" becomes "İyul"."""
    if text[:1] == "i" and base_language(language) in _DOTTED_I:
        return "İ" + text[1:]
    return text[:1].upper() + text[1:]


def month_names(language: str) -> dict[str, int]:
    """Every name a language gives the months (formatted and standalone, wide and abbreviated, lower case),
    with each month's number: what a dateline in that language may spell."""
    names: dict[str, int] = {}
    locale = babel_locale(language)
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in locale.months[context][width].items():
                names.setdefault(name.lower().rstrip("."), number)
    return names
