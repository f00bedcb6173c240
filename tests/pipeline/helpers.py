"""What the pipeline tests compare: the whole observable state of a local stack."""

from __future__ import annotations

import re
from typing import Any

from pressroom.index import from_item
from pressroom.local import Stack


def site_state(stack: Stack) -> dict[str, bytes]:
    """Every site object, with the Recent Posts snapshot left out of every page but home.

    Article, archive and tag pages are rewritten only when their own content changes, so their server-rendered
    Recent Posts list is a snapshot from that moment; the theme's script refreshes it from recent.json, which
    (like home) is rebuilt on every change and compared in full.
    """
    s3 = stack.client("s3")
    return {key: strip_recent(key, s3.get_object(Bucket=stack.site_bucket, Key=key)["Body"].read())
            for key in stack.site_keys()}


def strip_recent(key: str, body: bytes) -> bytes:
    """A site object without the Recent Posts snapshot (kept on home, which is rewritten on every change)."""
    from pressroom.render import without_recent

    return without_recent(body) if key.endswith(".html") and key != "index.html" else body


def is_tombstone(stack: Stack, key: str) -> bool:
    """Whether the site object at `key` is a deleted post's tombstone (the CDN answers it 410 Gone)."""
    from pressroom.storage import TOMBSTONE_META, TOMBSTONE_STATUS

    try:
        head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key=key)
    except Exception:  # noqa: BLE001 - no object at all
        return False
    return head.get("Metadata", {}).get(TOMBSTONE_META) == TOMBSTONE_STATUS


def table_state(stack: Stack) -> dict[tuple[str, str], dict[str, Any]]:
    db = stack.client("dynamodb")
    items = {}
    for page in db.get_paginator("scan").paginate(TableName=stack.posts_table):
        for item in page.get("Items", []):
            data = from_item(item)
            if (data["pk"], data["sk"]) == ("LISTINGS", "VERSION"):
                continue  # counts the commits of the path taken; listings only need it to grow
            data.pop("version_id", None)
            data.pop("revision", None)  # counts the commits of the path taken, like sequencers
            # what the key's last change retired depends on the path taken (in order, shuffled, duplicated),
            # not on the end state: the retired objects themselves are compared in the site and reports
            data.pop("retire", None)
            items[(data["pk"], data["sk"])] = data
    return items


def report_state(stack: Stack) -> dict[str, dict[str, Any]]:
    import json

    s3 = stack.client("s3")
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.content_bucket, Prefix="_reports/"):
        for obj in page.get("Contents", []):
            data = json.loads(s3.get_object(Bucket=stack.content_bucket, Key=obj["Key"])["Body"].read())
            data.pop("version_id", None)
            found[obj["Key"]] = data
    return found


def whole_state(stack: Stack) -> tuple[Any, ...]:
    return table_state(stack), site_state(stack), report_state(stack)


def links_in(html: bytes) -> set[str]:
    return set(re.findall(r'href="(/posts/[^"]+)"', html.decode()))


def counts_match_entries(stack: Stack) -> None:
    """Every month and tag-year counter equals the number of listing entries it counts."""
    from collections import Counter

    table = table_state(stack)
    entries: Counter[str] = Counter()
    for (pk, _sk), item in table.items():
        if pk.startswith("MONTH#"):
            entries[pk] += 1
        elif pk.startswith("TAG#"):
            entries[f"TAGYEAR#{pk[4:]}#{item['date'][:4]}"] += 1
    counted = {sk: int(item["n"]) for (pk, sk), item in table.items() if pk == "COUNT" and int(item["n"])}
    assert counted == {name: n for name, n in entries.items() if n}
