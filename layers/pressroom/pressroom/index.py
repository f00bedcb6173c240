"""The DynamoDB posts index: source state, published posts, listing entries and counters.

One table, keys `pk`/`sk`, every query by key (never a scan):
  SRC#<content key> / SRC           state of one upload: sequencer, status, slug, errors, first publication
  POST#<slug>       / POST          the published post (its stream records drive the listing rebuilds)
  FEED              / <utc>#<slug>  every public post, newest first: home, feeds, recent.json
  MONTH#<yyyy-mm>   / <utc>#<slug>  one month: archive page, sitemap part
  TAG#<tag-slug>    / <utc>#<slug>  one tag: tag page and tag-year pages
  COUNT             / MONTH#<yyyy-mm> or TAGYEAR#<tag-slug>#<yyyy>   post counts, to list months and years
  SLUG#<slug>       / <content key> every upload claiming a slug; the key that sorts first owns it
  STORY#<id>        / <content key> every upload with this `id:`; `gone` lists the URLs of one deleted since
  ALIAS#<site key>  / <content key> every upload keeping a redirect at an article page's URL (an alias or an
                                    old slug), or waiting to while a post is there: each is published again
                                    when a post takes that URL or is deleted from it
  TOMBSTONE         / <site key>    a deleted post's URL that answers 410, with the key that left it (dropped
                                    when a post takes the URL)
  REPAIR            / CURSOR or RUN#<request>   where the anti-entropy pass goes on; a requested run's result
  LISTINGS          / VERSION       grows with every change of a post or of the settings (listings compare it);
                                    keeps a copy of the settings, read with it in one request
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pressroom import urls
from pressroom.model import Post

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

MAX_TRANSACTION_ITEMS = 100
LISTINGS_VERSION = {"pk": "LISTINGS", "sk": "VERSION"}


@lru_cache(maxsize=1)
def _types() -> tuple[Any, Any]:
    # boto3's type (de)serializers are made on first use: a build or a check decides with the index's rules
    # (SourceState, sort_key) without ever writing an item, and importing boto3 costs a tenth of a second
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    serialize = _types()[0].serialize
    return {k: serialize(v) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    deserialize = _types()[1].deserialize
    return {k: deserialize(v) for k, v in item.items()}


def sort_key(post: Post) -> str:
    return post.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "#" + post.slug


def month_id(post: Post) -> str:
    return f"{post.date.year:04d}-{post.date.month:02d}"


@dataclass
class SourceState:
    """What the index knows of one upload."""

    key: str
    sequencer: str = ""
    status: str = ""
    slug: str = ""
    first_published: str = ""
    version_id: str = ""
    etag: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    winner: str = ""
    scheduled_for: str = ""
    redirects: list[str] = field(default_factory=list)  # site keys of redirect objects this upload owns
    tombstones: list[str] = field(default_factory=list)  # site keys that answer 410 since this upload was deleted
    # article page keys its aliases name where another post is online: it redirects there once that post goes
    waiting: list[str] = field(default_factory=list)
    story: str = ""  # the `id:` it publishes under (its STORY# claim)
    # what the last change retired ("pages", "redirects": site keys; "slugs": claims), kept with the state so
    # that carrying the change out again after a failure does the same thing
    retire: dict[str, list[str]] = field(default_factory=dict)
    # the sequencer whose effects (pages, redirects, claims, schedule, report) were all carried out; while it
    # differs from `sequencer`, a delivery of the same event carries them out again
    applied: str = ""
    # grows with every commit of the item, whoever makes it (the key's own deliveries, a displacement, a
    # release): a delivery that read an older revision cannot commit over what happened since
    revision: int = 0
    exists: bool = False

    @property
    def claimed(self) -> list[str]:
        """The site keys its ALIAS# claims name (those of them that are article page keys)."""
        return [*self.redirects, *self.waiting]

    @property
    def pending(self) -> dict[str, list[str]]:
        """What the committed change retires and may not have been carried out yet."""
        return self.retire if self.exists and self.applied != self.sequencer else {}

    def to_item(self) -> dict[str, Any]:
        return to_item(self.values())

    def values(self) -> dict[str, Any]:
        """The SRC# item as plain values (None: an attribute the item leaves out)."""
        return {
            "pk": f"SRC#{self.key}", "sk": "SRC", "key": self.key, "sequencer": self.sequencer,
            "status": self.status, "slug": self.slug, "first_published": self.first_published,
            "version_id": self.version_id, "etag": self.etag, "errors": self.errors, "winner": self.winner,
            "scheduled_for": self.scheduled_for, "redirects": self.redirects, "retire": self.retire or None,
            "applied": self.applied or None, "tombstones": self.tombstones or None, "story": self.story or None,
            "revision": self.revision or None, "waiting": self.waiting or None,
        }


def listing_entries(post: Post) -> list[dict[str, Any]]:
    """The listing items one post puts in the table (its feed, month and tag entries)."""
    data = post.to_dict()
    sk = sort_key(post)
    entries = [{"pk": "FEED", "sk": sk, **data}, {"pk": f"MONTH#{month_id(post)}", "sk": sk, **data}]
    entries += [{"pk": f"TAG#{slug}", "sk": sk, "tag": tag, **data} for tag, slug in zip(post.tags, post.tag_slugs,
                                                                                        strict=True)]
    return entries


def post_item(post: Post) -> dict[str, Any]:
    """The POST# item of a published post (its stream records drive the listing rebuilds)."""
    return {"pk": f"POST#{post.slug}", "sk": "POST", **post.to_dict()}


def _stored_as(post: Post) -> dict[str, Any]:
    """A condition that holds only while the POST# item of `post` is stored with exactly these attributes."""
    data = post_item(post)
    names = {f"#a{i}": name for i, name in enumerate(data)}
    values = {f":a{i}": value for i, value in enumerate(data.values())}
    condition = " AND ".join(f"#a{i} = :a{i}" for i in range(len(data)))
    return {"ConditionExpression": condition, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values)}


def version_bump(table: str, settings: str | None = None) -> dict[str, Any]:
    """The update that grows the listings version. With `settings` (the accepted site settings as JSON), the
    version item keeps them too, so a listings pass reads its version and its settings in one consistent read."""
    expression, values = "ADD n :one", {":one": 1}
    if settings is not None:
        expression, values = "ADD n :one SET settings = :s", {":one": 1, ":s": settings}
    return {"Update": {"TableName": table, "Key": to_item(LISTINGS_VERSION), "UpdateExpression": expression,
                       "ExpressionAttributeValues": to_item(values)}}


def redirect_claims(key: str, redirects: Iterable[str]) -> list[dict[str, str]]:
    """The ALIAS# claims of an upload whose redirects are `redirects`: one per article page's URL among them,
    the only URLs a post can take."""
    return [{"pk": f"ALIAS#{site_key}", "sk": key} for site_key in sorted(set(redirects))
            if urls.slug_of_post_key(site_key) is not None]


def counters(post: Post) -> list[str]:
    return [f"MONTH#{month_id(post)}"] + [f"TAGYEAR#{s}#{post.date.year:04d}" for s in post.tag_slugs]


def counter_names(post: Post) -> dict[str, str]:
    """The tag name each of a post's tag counters keeps (for the tag's pages once its URL moves)."""
    return {f"TAGYEAR#{s}#{post.date.year:04d}": t for t, s in zip(post.tags, post.tag_slugs, strict=True)}


class PostsIndex:
    """Reads and writes the posts table; every read is a key lookup or a query."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self.db = dynamodb
        self.table = table

    # --- reads ---------------------------------------------------------------------------------------

    def source(self, key: str) -> SourceState:
        item = self.db.get_item(TableName=self.table, Key=to_item({"pk": f"SRC#{key}", "sk": "SRC"}),
                                ConsistentRead=True).get("Item")
        if not item:
            return SourceState(key)
        data = from_item(item)
        return SourceState(
            key=key, sequencer=str(data.get("sequencer", "")), status=str(data.get("status", "")),
            slug=str(data.get("slug", "")), first_published=str(data.get("first_published", "")),
            version_id=str(data.get("version_id", "")), etag=str(data.get("etag", "")),
            errors=list(data.get("errors", [])), winner=str(data.get("winner", "")),
            scheduled_for=str(data.get("scheduled_for", "")), redirects=[str(r) for r in data.get("redirects", [])],
            retire={str(k): [str(v) for v in vs] for k, vs in (data.get("retire") or {}).items()},
            applied=str(data.get("applied", "")), tombstones=[str(t) for t in data.get("tombstones", [])],
            story=str(data.get("story", "")), revision=int(data.get("revision", 0) or 0),
            waiting=[str(w) for w in data.get("waiting", [])], exists=True,
        )

    def post(self, slug: str) -> Post | None:
        item = self.db.get_item(TableName=self.table, Key=to_item({"pk": f"POST#{slug}", "sk": "POST"}),
                                ConsistentRead=True).get("Item")
        return Post.from_dict(from_item(item)) if item else None

    def _query(self, pk: str, *, limit: int | None = None, newest_first: bool = True,
               prefix: str | None = None, between: tuple[str, str] | None = None) -> list[dict[str, Any]]:
        condition, values = "pk = :pk", {":pk": pk}
        if prefix:
            condition, values[":p"] = condition + " AND begins_with(sk, :p)", prefix
        if between:
            condition += " AND sk BETWEEN :lo AND :hi"
            values[":lo"], values[":hi"] = between
        kwargs: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": not newest_first,
            "KeyConditionExpression": condition, "ExpressionAttributeValues": to_item(values),
        }
        found: list[dict[str, Any]] = []
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - len(found)
            page = self.db.query(**kwargs)
            found += [from_item(i) for i in page.get("Items", [])]
            last = page.get("LastEvaluatedKey")
            if not last or (limit is not None and len(found) >= limit):
                return found
            kwargs["ExclusiveStartKey"] = last

    def newest(self, limit: int) -> list[Post]:
        return [Post.from_dict(i) for i in self._query("FEED", limit=limit)]

    def month(self, year: int, month: int) -> list[Post]:
        return [Post.from_dict(i) for i in self._query(f"MONTH#{year:04d}-{month:02d}")]

    def tag(self, tag_slug: str, *, limit: int | None = None, year: int | None = None) -> tuple[str, list[Post]]:
        """The tag's display name and its posts, newest first (one year, or the newest `limit`)."""
        if year is None:
            items = self._query(f"TAG#{tag_slug}", limit=limit)
        else:
            # sort keys are UTC instants, years are the post's own calendar: take the UTC days around the
            # year (offsets reach +-14 h), then keep the posts whose local date falls in it
            items = self._query(f"TAG#{tag_slug}", between=(f"{year - 1:04d}-12-31", f"{year + 1:04d}-01-02"))
            items = [i for i in items if Post.from_dict(i).date.year == year]
        name = str(items[0]["tag"]) if items else tag_slug
        return name, [Post.from_dict(i) for i in items]

    def months(self) -> list[tuple[int, int]]:
        """Months that have posts, newest first."""
        rows = self._query("COUNT", prefix="MONTH#")
        found = [(int(r["sk"][6:10]), int(r["sk"][11:13])) for r in rows if int(r.get("n", 0)) > 0]
        return sorted(found, reverse=True)

    def tag_years(self, tag_slug: str) -> list[int]:
        rows = self._query("COUNT", prefix=f"TAGYEAR#{tag_slug}#")
        return sorted((int(str(r["sk"]).rsplit("#", 1)[1]) for r in rows if int(r.get("n", 0)) > 0), reverse=True)

    def all_tag_years(self, *, former: bool = False) -> list[tuple[str, int]]:
        """Every (tag slug, year) that has posts: what a full rebuild re-renders; with `former`, those that had
        posts once and have none now (their pages are gone, or redirect where the tag went)."""
        rows = self._query("COUNT", prefix="TAGYEAR#")
        found = []
        for row in rows:
            _, tag_slug, year = str(row["sk"]).split("#")
            if (int(row.get("n", 0)) > 0) != former:
                found.append((tag_slug, int(year)))
        return found

    def tag_name(self, tag_slug: str) -> str:
        """The name a tag slug was last given ("" for one never used): kept with its counters, which stay
        when the tag's last post goes, so a page of a tag whose URL moved knows where it went."""
        for row in self._query("COUNT", prefix=f"TAGYEAR#{tag_slug}#"):
            if row.get("tag"):
                return str(row["tag"])
        return ""

    def claimants(self, slug: str, limit: int = 2) -> list[str]:
        """Content keys claiming `slug`, in the order that decides who owns it."""
        return [str(r["sk"]) for r in self._query(f"SLUG#{slug}", limit=limit, newest_first=False)]

    def redirect_claimants(self, site_key: str) -> list[str]:
        """Content keys whose state keeps a redirect at `site_key` (an article page's key)."""
        return [str(r["sk"]) for r in self._query(f"ALIAS#{site_key}", newest_first=False)]

    def story_claims(self, story: str) -> dict[str, list[str]]:
        """The content keys published under `id: story`, each with the site keys it left when it was deleted
        (none while it is online)."""
        return {str(r["sk"]): [str(k) for k in r.get("gone", [])] for r in self._query(f"STORY#{story}",
                                                                                      newest_first=False)}

    # --- writes --------------------------------------------------------------------------------------

    def claim_story(self, story: str, key: str, *, gone: list[str] | None = None) -> None:
        """Record that `key` publishes under `id: story`, or with `gone`, that it was deleted from those URLs."""
        item: dict[str, Any] = {"pk": f"STORY#{story}", "sk": key}
        if gone:
            item["gone"] = sorted(gone)
        self.db.put_item(TableName=self.table, Item=to_item(item))

    def release_story(self, story: str, key: str) -> None:
        self.db.delete_item(TableName=self.table, Key=to_item({"pk": f"STORY#{story}", "sk": key}))

    def claim(self, slug: str, key: str) -> None:
        self.db.put_item(TableName=self.table, Item=to_item({"pk": f"SLUG#{slug}", "sk": key}))

    def release(self, slug: str, key: str) -> None:
        self.db.delete_item(TableName=self.table, Key=to_item({"pk": f"SLUG#{slug}", "sk": key}))

    def save_source(self, state: SourceState, *, expected_sequencer: str | None) -> bool:
        """Store a source's state unless a newer event has already been recorded; False when stale."""
        return self.commit(state, expected_sequencer=expected_sequencer)

    def commit(self, state: SourceState, *, expected_sequencer: str | None, old: Post | None = None,
               new: Post | None = None, expected_revision: int | None = None,
               claimed_before: Iterable[str] = ()) -> bool:
        """One transaction: the source's state, and the post moving from `old` to `new` (either may be None),
        with the claims on article URLs it gains or loses since the state read (`claimed_before`).

        The condition on the stored sequencer makes a stale or concurrent older event fail instead of
        overwriting what a newer one wrote; with `expected_revision`, so does any commit made since the state
        was read (another key's displacement or release). Returns False when a condition failed.
        """
        ops: list[dict[str, Any]] = []
        src = {"Put": {"TableName": self.table, "Item": state.to_item()}}
        if expected_sequencer is None:
            src["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        elif expected_revision is None:
            src["Put"]["ConditionExpression"] = "sequencer = :seq"
            src["Put"]["ExpressionAttributeValues"] = to_item({":seq": expected_sequencer})
        else:
            revision = "revision = :rev" if expected_revision else "attribute_not_exists(revision)"
            src["Put"]["ConditionExpression"] = f"sequencer = :seq AND {revision}"
            src["Put"]["ExpressionAttributeValues"] = to_item(
                {":seq": expected_sequencer, **({":rev": expected_revision} if expected_revision else {})})
        ops.append(src)
        ops += self._post_ops(old, new)
        ops += self._redirect_claim_ops(state.key, claimed_before, state.claimed)
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise ValueError("too many index changes for one transaction")
        try:
            self.db.transact_write_items(TransactItems=ops)
        except self.db.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                return False  # the key's state, or a post it moves, changed since it was read
            raise
        return True

    def _redirect_claim_ops(self, key: str, before: Iterable[str], after: Iterable[str]) -> list[dict[str, Any]]:
        held, kept = redirect_claims(key, before), redirect_claims(key, after)
        return ([{"Put": {"TableName": self.table, "Item": to_item(c)}} for c in kept if c not in held]
                + [{"Delete": {"TableName": self.table, "Key": to_item(c)}} for c in held if c not in kept])

    def mark_applied(self, key: str, sequencer: str) -> tuple[str, int] | None:
        """Record that every effect of the state committed with `sequencer` was carried out (and forget what it
        retired). Nothing happens when a newer state has been committed since.

        Returns the stored state's sequencer and revision after the mark (None when a newer state was committed):
        whether anything committed while the effects were carried out, without another read."""
        try:
            found = self.db.update_item(
                TableName=self.table, Key=to_item({"pk": f"SRC#{key}", "sk": "SRC"}),
                UpdateExpression="SET applied = :seq REMOVE retire", ConditionExpression="sequencer = :seq",
                ExpressionAttributeValues=to_item({":seq": sequencer}), ReturnValues="ALL_NEW")
        except self.db.exceptions.ConditionalCheckFailedException:
            return None
        data = from_item(found.get("Attributes", {}))
        return str(data.get("sequencer", "")), int(data.get("revision", 0) or 0)

    def _post_ops(self, old: Post | None, new: Post | None) -> list[dict[str, Any]]:
        """The writes that move a post from `old` to `new`: its POST# item, its listing entries, the counters
        and the listings version.

        The POST# items are compared and set: `old` must be stored exactly as it was read, and `new` may only
        take a slug no post holds. Entries and counters are derived from `old`, so a post another invocation
        moved in the meantime (a displacement racing an edit) fails the whole transaction instead of leaving
        a counter that disagrees with its entries.
        """
        if old == new:
            return []
        ops: list[dict[str, Any]] = []
        old_entries = {(e["pk"], e["sk"]): e for e in (listing_entries(old) if old else [])}
        new_entries = {(e["pk"], e["sk"]): e for e in (listing_entries(new) if new else [])}
        if old and (not new or old.slug != new.slug):
            ops.append({"Delete": {"TableName": self.table, "Key": to_item({"pk": f"POST#{old.slug}", "sk": "POST"}),
                                   **_stored_as(old)}})
        if new and (not old or old.slug != new.slug):
            # a post taking a URL: no tombstone is kept there any more (whenever a deleted post's left it)
            ops.append({"Delete": {"TableName": self.table,
                                   "Key": to_item({"pk": "TOMBSTONE", "sk": urls.post_key(new.slug)})}})
        if new:
            put: dict[str, Any] = {"TableName": self.table, "Item": to_item(post_item(new))}
            put.update(_stored_as(old) if old and old.slug == new.slug else
                       {"ConditionExpression": "attribute_not_exists(pk)"})
            ops.append({"Put": put})
        for pk_sk in old_entries.keys() - new_entries.keys():
            ops.append({"Delete": {"TableName": self.table, "Key": to_item({"pk": pk_sk[0], "sk": pk_sk[1]})}})
        for pk_sk, entry in new_entries.items():
            if old_entries.get(pk_sk) != entry:
                ops.append({"Put": {"TableName": self.table, "Item": to_item(entry)}})
        delta: dict[str, int] = {}
        for name in counters(old) if old else []:
            delta[name] = delta.get(name, 0) - 1
        for name in counters(new) if new else []:
            delta[name] = delta.get(name, 0) + 1
        names = counter_names(new) if new else {}
        for name, change in sorted(delta.items()):
            if change:
                update: dict[str, Any] = {"TableName": self.table, "Key": to_item({"pk": "COUNT", "sk": name}),
                                          "UpdateExpression": "ADD n :d", "ExpressionAttributeValues": {":d": change}}
                if name in names:  # the tag's name, for its pages once its URL moves
                    update["UpdateExpression"] += " SET tag = :t"
                    update["ExpressionAttributeValues"][":t"] = names[name]
                update["ExpressionAttributeValues"] = to_item(update["ExpressionAttributeValues"])
                ops.append({"Update": update})
        ops.append(version_bump(self.table))
        return ops

    def listings_version(self) -> int:
        """The listings version: it grows with every committed change of a post and of the settings."""
        return self.listings_state()[0]

    def listings_state(self) -> tuple[int, str | None]:
        """The listings version and the settings JSON kept with it (None when the settings were last accepted
        before the version item kept them: they are then in SITE / SETTINGS only)."""
        item = self.db.get_item(TableName=self.table, Key=to_item(LISTINGS_VERSION), ConsistentRead=True).get("Item")
        data = from_item(item) if item else {}
        settings = data.get("settings")
        return int(data.get("n", 0)), settings if isinstance(settings, str) else None

    # --- anti-entropy runs ------------------------------------------------------------------------------

    def keep_tombstone(self, site_key: str, owner: str) -> None:
        """Record that a deleted post's URL answers 410 (the anti-entropy pass finds it missing by key range)."""
        self.db.put_item(TableName=self.table, Item=to_item({"pk": "TOMBSTONE", "sk": site_key, "owner": owner}))

    def drop_tombstone(self, site_key: str) -> None:
        """Forget a tombstone: a post took its URL."""
        self.db.delete_item(TableName=self.table, Key=to_item({"pk": "TOMBSTONE", "sk": site_key}))

    def tombstones_between(self, after: str, upto: str) -> list[tuple[str, str]]:
        """(site key, owner) of the tombstones after `after`, up to `upto` ("": to the end)."""
        rows = self._query("TOMBSTONE", newest_first=False, between=(after + "\0", upto) if upto else None,
                           prefix=None)
        return [(str(r["sk"]), str(r.get("owner", ""))) for r in rows if str(r["sk"]) > after]

    def keep_repair_result(self, request: str, result: dict[str, Any], when: str) -> None:
        """Keep what a requested repair run found (`pressroom repair` reads it back)."""
        self.db.put_item(TableName=self.table, Item=to_item({
            "pk": "REPAIR", "sk": f"RUN#{request}", "result": json.dumps(result, sort_keys=True), "time": when}))

    def repair_result(self, request: str) -> dict[str, Any] | None:
        """A requested repair run's result, once it is there (None before); read once, it is removed, so the
        table keeps no result nobody waits for."""
        key = to_item({"pk": "REPAIR", "sk": f"RUN#{request}"})
        item = self.db.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        if not item:
            return None
        self.db.delete_item(TableName=self.table, Key=key)
        return json.loads(str(from_item(item)["result"]))

    # --- full rebuilds ---------------------------------------------------------------------------------

    def start_rebuild(self, rebuild_id: str, tasks: int, started: str) -> None:
        """Start counting a rebuild's tasks; starting one that exists (a retry) keeps its count."""
        try:
            self.db.put_item(TableName=self.table, Item=to_item({
                "pk": f"REBUILD#{rebuild_id}", "sk": "COUNT", "n": tasks, "total": tasks, "started": started}),
                ConditionExpression="attribute_not_exists(pk)")
        except self.db.exceptions.ConditionalCheckFailedException:
            pass

    def rebuild_task_done(self, rebuild_id: str, key: str) -> bool:
        """Count one task of a rebuild as done, once however often it is delivered.

        True when no task is left and the final invalidation is not yet recorded as sent: the delivery that
        counted the last task sees it, and so does a retry when sending the invalidation failed.
        """
        try:
            self.db.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table, "Item": to_item({"pk": f"REBUILD#{rebuild_id}", "sk": f"DONE#{key}"}),
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Update": {"TableName": self.table, "Key": to_item({"pk": f"REBUILD#{rebuild_id}", "sk": "COUNT"}),
                            "UpdateExpression": "ADD n :minus", "ExpressionAttributeValues": to_item({":minus": -1})}},
            ])
        except self.db.exceptions.TransactionCanceledException:
            pass  # a task already counted: delivered again, or retried after a later step failed
        item = self.db.get_item(TableName=self.table, Key=to_item({"pk": f"REBUILD#{rebuild_id}", "sk": "COUNT"}),
                                ConsistentRead=True).get("Item")
        data = from_item(item) if item else {}
        return int(data.get("n", 0)) <= 0 and not data.get("finished")

    def rebuild_finished(self, rebuild_id: str) -> None:
        """Record that the rebuild's final invalidation was sent, so later deliveries do not send it again."""
        self.db.update_item(TableName=self.table, Key=to_item({"pk": f"REBUILD#{rebuild_id}", "sk": "COUNT"}),
                            UpdateExpression="SET finished = :yes", ExpressionAttributeValues=to_item({":yes": True}))

    def rebuild_left(self, rebuild_id: str) -> tuple[int, int]:
        """(tasks left, tasks in all) of a full rebuild."""
        item = self.db.get_item(TableName=self.table, Key=to_item({"pk": f"REBUILD#{rebuild_id}", "sk": "COUNT"}),
                                ConsistentRead=True).get("Item")
        data = from_item(item) if item else {}
        return int(data.get("n", 0)), int(data.get("total", 0))

    def delete_source(self, key: str) -> None:
        self.db.delete_item(TableName=self.table, Key=to_item({"pk": f"SRC#{key}", "sk": "SRC"}))

    def source_keys(self, keys: Iterable[str]) -> list[SourceState]:
        return [self.source(k) for k in keys]
