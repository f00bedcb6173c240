"""`pressroom init DIR`: a new content folder, with a commented site.yaml, one sample article and media/."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from pressroom import urls
from pressroom.cli import EXIT_USAGE, main
from pressroom.i18n import base_language

SITE_YAML = """\
# The settings every page of the site shares. Upload this file as site.yaml to the content bucket (or keep
# it in the folder `pressroom dev` watches): a change re-renders the whole site.

# The site's name: the header, the page titles, the feeds.
name: {name}
# Where readers reach the site: the CloudFront address, or your own domain (see docs/deploy.md).
base_url: {base_url}
# The "About Us" box of every page.
about: >-
  {about}
# The language of the interface and the dates (en, az, ru ship with the theme; any other falls back to English).
language: {language}
# The timezone datelines and dates are written in (an IANA name, e.g. Asia/Baku or Europe/Lisbon).
timezone: {timezone}
# How many posts the home page and each tag's page list (a month's archive and a tag's year list them all).
posts_per_page: 10
# The byline of articles that name no author (leave empty for none).
author: ""
# A logo for the header, e.g. /media/logo.png after you add media/logo.png.
logo: ""
# URLs from titles and file names: ascii (Qarabağ -> qarabag) or unicode (kept in the article's own script).
slugs: ascii
"""

ARTICLE = """\
---
{front}
---
{body}
"""

# What readers see of a new site until the newsroom writes its own (the About Us box, the first article), in the
# languages the theme ships: (about, the article's title, its summary, its body), each formatted with the name.
SAMPLES = {
    "en": ("{name} is an independent newsroom. Replace this text with a few sentences about it.",
           "Welcome to {name}", "The first article of {name}.",
           "This is the first article of {name}. Every file under `articles/` becomes a page: Markdown (`.md`), "
           "plain\ntext (`.txt`), HTML (`.html`) or JSON (`.json`), with its title, date and tags in the front "
           "matter above.\n\nWrite a new one with `pressroom new \"Its title\"`, save it, and the preview shows it "
           "at once. Set\n`draft: true` in an article's front matter to keep it unpublished."),
    "az": ("{name} müstəqil xəbər redaksiyasıdır. Bu mətni redaksiya haqqında bir neçə cümlə ilə əvəz edin.",
           "{name} saytına xoş gəlmisiniz", "{name} saytının ilk yazısı.",
           "Bu, {name} saytının ilk yazısıdır. `articles/` qovluğundakı hər fayl bir səhifə olur: Markdown "
           "(`.md`),\ndüz mətn (`.txt`), HTML (`.html`) və ya JSON (`.json`); başlıq, tarix və teqlər yuxarıdakı "
           "ön hissədə yazılır.\n\nYeni yazını `pressroom new \"Başlıq\"` əmri ilə yaradın və faylı saxlayın: "
           "önbaxış onu dərhal göstərir.\nYazını dərc etməmək üçün onun ön hissəsinə `draft: true` yazın."),
    "ru": ("{name} — независимая редакция. Замените этот текст несколькими предложениями о ней.",
           "Добро пожаловать на сайт {name}", "Первая статья сайта {name}.",
           "Это первая статья сайта {name}. Каждый файл в папке `articles/` становится страницей: Markdown "
           "(`.md`),\nпростой текст (`.txt`), HTML (`.html`) или JSON (`.json`); заголовок, дата и теги "
           "указываются во вводной части выше.\n\nНовую статью создаёт `pressroom new \"Заголовок\"`: сохраните "
           "файл, и предпросмотр сразу её покажет.\nЧтобы статья не публиковалась, укажите во вводной части "
           "`draft: true`."),
}


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="My Newsroom", show_default=True, help="The site's name.")
@click.option("--base-url", default="http://localhost:8000", show_default=True,
              help="Where readers reach the site (change it once it is deployed).")
@click.option("--language", default="en", show_default=True, help="Interface and dates: en, az, ru or another tag.")
@click.option("--timezone", default="UTC", show_default=True, help="An IANA timezone, e.g. Asia/Baku.")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty (existing files are kept).")
def init(folder: Path, name: str, base_url: str, language: str, timezone: str, force: bool) -> None:
    """Start a new site in FOLDER: a commented site.yaml, articles/ with one sample article, and media/."""
    from pressroom.errors import Rejected
    from pressroom.site import parse_site

    if folder.exists() and any(folder.iterdir()) and not force:
        click.echo(f"{folder} is not empty; choose a new folder, or add --force to write into it "
                   "(existing files are kept)", err=True)
        raise SystemExit(EXIT_USAGE)
    about, title, summary, body = SAMPLES.get(base_language(language), SAMPLES["en"])
    settings = SITE_YAML.format(name=_quoted(name), base_url=_quoted(base_url.rstrip("/")),
                                language=_quoted(language), timezone=_quoted(timezone),
                                about=about.format(name=" ".join(name.split())))
    try:
        site = parse_site(settings.encode("utf-8"))
    except Rejected as exc:
        for problem in exc.problems:
            click.echo(f"pressroom init: {problem.describe()}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    now = datetime.now(site.tz).replace(microsecond=0).isoformat()  # the newsroom's clock: its day
    front = "\n".join([f"title: {_quoted(title.format(name=site.name))}", f"date: {now}", "tags: [news]",
                       f"summary: {_quoted(summary.format(name=site.name))}"])
    files = {
        folder / urls.CONTENT_SITE_SETTINGS: settings,
        folder / urls.CONTENT_ARTICLES / "welcome.md": ARTICLE.format(front=front, body=body.format(name=site.name)),
    }
    (folder / urls.CONTENT_MEDIA).mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        if path.exists():
            click.echo(f"kept     {path} (it was there already)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote    {path}")
    click.echo(f"made     {folder / urls.CONTENT_MEDIA}/ (images, PDFs, audio and video for the articles)")
    click.echo("\nNext:")
    click.echo(f"  pressroom dev {_shell(folder)}        preview the site as you write, at http://localhost:8000/")
    click.echo(f"  pressroom publish {_shell(folder)} --stack NAME   once the stack is deployed "
               "(sam build && sam deploy --guided; see docs/deploy.md)")


def _quoted(value: str) -> str:
    """A YAML scalar that reads back as `value` (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _shell(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
