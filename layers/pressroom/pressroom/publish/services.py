"""The AWS side of one function invocation: clients, buckets, the posts index and the site settings."""

from __future__ import annotations

import json
from typing import Any

from pressroom import aws
from pressroom.config import Config
from pressroom.index import PostsIndex, from_item, to_item, version_bump
from pressroom.site import Site
from pressroom.storage import ContentBucket, SiteBucket

SITE_SETTINGS_KEY = {"pk": "SITE", "sk": "SETTINGS"}


class Services:
    """The AWS side of one function invocation, built from its config (clients may be passed in)."""

    def __init__(self, config: Config, *, s3: Any = None, dynamodb: Any = None, sqs: Any = None,
                 scheduler: Any = None, cloudfront: Any = None) -> None:
        self.config = config
        self.s3 = s3 or aws.client("s3")
        self.dynamodb = dynamodb or aws.client("dynamodb")
        self._sqs = sqs
        self._scheduler = scheduler
        self._cloudfront = cloudfront
        self.content = ContentBucket(self.s3, config.content_bucket)
        self.site_bucket = SiteBucket(self.s3, config.site_bucket)
        self.index = PostsIndex(self.dynamodb, config.posts_table)
        self._site: Site | None = None

    @property
    def sqs(self) -> Any:
        self._sqs = self._sqs or aws.client("sqs")
        return self._sqs

    @property
    def cloudfront(self) -> Any:
        self._cloudfront = self._cloudfront or aws.client("cloudfront")
        return self._cloudfront

    @property
    def scheduler(self) -> Any:
        self._scheduler = self._scheduler or aws.client("scheduler")
        return self._scheduler

    def site(self) -> Site:
        """The last valid site settings (stored in the index when site.yaml was accepted)."""
        if self._site is None:
            item = self.dynamodb.get_item(TableName=self.config.posts_table, Key=to_item(SITE_SETTINGS_KEY),
                                          ConsistentRead=True).get("Item")
            self._site = _site_from(from_item(item)["settings"]) if item else Site()
        return self._site

    def listings_snapshot(self) -> tuple[int, Site]:
        """The listings version and the settings in force at it, in one consistent read (two for a table whose
        version item does not keep the settings yet: they were last accepted before it did)."""
        version, settings = self.index.listings_state()
        if settings is None:
            return version, self.reload_site()
        self._site = _site_from(settings)
        return version, self._site

    def reload_site(self) -> Site:
        """The site settings read again (listings that started over after a change read them afresh)."""
        self._site = None
        return self.site()

    def store_site(self, site: Site) -> None:
        """Keep the accepted settings; the listings version grows with them, as every page depends on them."""
        from dataclasses import asdict

        table = self.config.posts_table
        settings = json.dumps(asdict(site), sort_keys=True)
        item = to_item({**SITE_SETTINGS_KEY, "settings": settings})
        self.dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item}},
                                                          version_bump(table, settings)])
        self._site = site


def _site_from(settings: str) -> Site:
    return Site(**json.loads(settings))
