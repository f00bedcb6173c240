"""Bring a local stack to the state of a whole content folder at once: what the batch core decided, written in bulk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pressroom import urls
from pressroom.index import counter_names, counters, listing_entries, post_item, redirect_claims
from pressroom.local.moto_gaps import (
    delete_items_directly,
    item_keys_directly,
    object_keys_directly,
    put_object_directly,
    put_values_directly,
)
from pressroom.publish.batch import Build, MemorySite
from pressroom.publish.status import Status
from pressroom.storage import DIGEST_META, report_body

if TYPE_CHECKING:
    from pressroom.local import Stack

# Below every sequencer S3 (and the local stack) gives an event: any later change of a loaded key wins.
LOADED_SEQUENCER = "0" * 32
Progress = Callable[[str, int, int], None]


@dataclass
class Loaded:
    """What a bulk load wrote, and the files that changed on disk since the batch judged them."""

    uploaded: dict[str, str] = field(default_factory=dict)  # key -> SHA-256 of the bytes now in the bucket
    changed: list[str] = field(default_factory=list)  # keys to publish again through the pipeline
    items: int = 0
    pages: int = 0
    reports: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # content key -> its report's ETag, body


def load(stack: Stack, built: Build, *, progress: Progress | None = None, replace_all: bool = False) -> Loaded:
    """Write a built folder into the stack: uploads, index, site, reports and schedules, as the pipeline
    would have left them after publishing the folder event by event. The events the uploads raise and the
    stream records of the writes are drained, so nothing is published twice.

    A file saved after the batch read it is uploaded as it is now but its state is the one judged: it is
    named in `changed`, for the caller to publish again (its next event wins over a loaded state).

    `replace_all`: the stack already holds a site; what the load does not write again (index items, site
    objects) is removed afterwards, so pages stay online while they are rewritten."""
    versions: dict[str, tuple[str, str]] = {}
    loaded = Loaded()
    inputs = sorted(built.folder.inputs.items(), key=lambda item: (item[0] != urls.CONTENT_SITE_SETTINGS, item[0]))
    with stack.notifications_paused():
        written = _write(stack, built, inputs, versions, loaded, progress)
        if replace_all:
            _remove_others(stack, *written)
    stack.drain()
    return loaded


def _write(stack: Stack, built: Build, inputs: list[Any], versions: dict[str, tuple[str, str]], loaded: Loaded,
           progress: Progress | None) -> tuple[set[tuple[str, str]], set[str]]:
    from pressroom.local import REGION
    from pressroom.publish import Publisher
    from pressroom.publish.batch import digest

    for done, (key, path) in enumerate(inputs, 1):
        try:
            data = path.read_bytes()
        except OSError:
            loaded.changed.append(key)  # gone since: the watcher's next round removes it
            continue
        versions[key] = put_object_directly(stack.content_bucket, key, data)
        loaded.uploaded[key] = digest(data)
        if loaded.uploaded[key] != built.digests.get(key):
            loaded.changed.append(key)
        if progress and (done % 200 == 0 or done == len(inputs)):
            progress("uploading", done, len(inputs))
    # the pages first: in a reload, what the preview shows changes as soon as it can
    pages = built.site_pages
    keys = pages.keys()
    for done, key in enumerate(keys, 1):
        write_page(stack, key, pages, versions)
        if progress and (done % 200 == 0 or done == len(keys)):
            progress("writing", done, len(keys))
    svc = stack.services()
    items: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    tag_names: dict[str, str] = {}
    for key, plan in built.plans.items():
        if key not in versions:
            continue
        version_id, etag = versions[key]
        state = replace(plan.state, sequencer=LOADED_SEQUENCER, applied=LOADED_SEQUENCER, retire={},
                        version_id=version_id, etag=etag)  # every effect is carried out by the load itself
        items.append(state.values())
        if plan.status in (Status.PUBLISHED, Status.HELD) and plan.state.slug:
            items.append({"pk": f"SLUG#{plan.state.slug}", "sk": key})
        items += redirect_claims(key, plan.state.claimed)
        if plan.story_claim:
            items.append({"pk": f"STORY#{plan.story_claim}", "sk": key})
        if plan.status == Status.PUBLISHED and plan.post is not None:
            items += [post_item(plan.post), *listing_entries(plan.post)]
            counts.update(counters(plan.post))
            tag_names.update(counter_names(plan.post))
    items += [{"pk": "COUNT", "sk": name, "n": n, **({"tag": tag_names[name]} if name in tag_names else {})}
              for name, n in sorted(counts.items())]
    settings = built.verdicts.get(urls.CONTENT_SITE_SETTINGS)
    if settings is not None and settings.status == Status.PUBLISHED:
        svc.store_site(built.site)
    put_values_directly(REGION, stack.posts_table, items)
    for key, report in built.reports().items():
        if key not in versions:
            continue
        version_id, etag = versions[key]
        report = {**report, "version_id": version_id, "etag": etag}
        body = report_body(report)
        _, etag = put_object_directly(stack.content_bucket, urls.report_key(key), body,
                                      content_type="application/json")
        loaded.reports[key] = (f'"{etag}"', body)
    publisher = Publisher(svc)
    for key, plan in built.plans.items():
        if plan.schedule is not None:
            publisher.schedule(key, plan.schedule)
    loaded.items, loaded.pages = len(items), len(keys)
    return {(str(i["pk"]), str(i["sk"])) for i in items}, set(keys)


def _remove_others(stack: Stack, items: set[tuple[str, str]], pages: set[str]) -> None:
    """Remove index items and site objects a load did not write (the local stack may scan: it is not AWS)."""
    from pressroom.local import REGION

    stale = [key for key in item_keys_directly(REGION, stack.posts_table)
             if (key["pk"]["S"], key["sk"]["S"]) not in items and key["pk"]["S"] != "SITE"
             and not key["pk"]["S"].startswith("REBUILD#")]
    delete_items_directly(REGION, stack.posts_table, stale)
    gone = [{"Key": key} for key in object_keys_directly(stack.site_bucket) if key not in pages]
    s3 = stack.client("s3")
    for start in range(0, len(gone), 1000):  # DeleteObjects takes 1,000 keys at most
        s3.delete_objects(Bucket=stack.site_bucket, Delete={"Objects": gone[start : start + 1000]})


def write_page(stack: Stack, key: str, pages: MemorySite, versions: dict[str, tuple[str, str]]) -> None:
    """One site object with the metadata the pipeline stores with it (content hash, redirect target)."""
    found = pages.stored(key)
    if found is None:
        return  # a media file removed from the folder since it was built: the watcher removes it next
    body, content_type, metadata = found
    if urls.is_media_key(key) and key in versions:  # a media file's site key is its content key
        version_id, etag = versions[key]
        metadata = {DIGEST_META: f"{etag}:{version_id}"}  # as the pipeline's server-side copy records it
    put_object_directly(stack.site_bucket, key, body, content_type=content_type, cache_control=urls.cache_control(key),
                        metadata=metadata)

