"""Drafts and scheduled articles rendered on request for the preview; nothing is written anywhere."""

from __future__ import annotations

from typing import Any

from pressroom import render
from pressroom.content import parse_article, parse_when
from pressroom.errors import Rejected
from pressroom.publish import Services


def render_draft(svc: Services, theme: render.Theme, report: dict[str, Any]) -> bytes | None:
    """The page the article of a draft or scheduled report will have once published (None: it cannot be read).

    The article is parsed and rendered by the same code as the render function, with the site settings and
    recent posts the pipeline would use; an undated draft is dated when the pipeline last saw it, so the
    page stays the same from one request to the next.
    """
    key = str(report["key"])
    source = svc.content.get(key, max_bytes=svc.config.max_upload_bytes)
    if source is None:
        return None
    site = svc.site()
    try:
        article = parse_article(key, source.body, site, max_bytes=svc.config.max_upload_bytes)
    except Rejected:
        return None  # changed since the report and now invalid: the next report says why
    if article.date is None:
        article = article.dated(parse_when(str(report["time"]), site))
    recent = svc.index.newest(render.RECENT_COUNT)
    return render.article_page(theme, site, article, recent).body
