"""The computed bill: every service priced from the dated table, free allowances taken off, totals that add up."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from benchmarks.cost import PRICES, Measured, bill


def _measured() -> Measured:
    calls = Counter({"s3.PutObject": 16, "s3.HeadObject": 20, "s3.GetObject": 1, "dynamodb.Query": 10})
    return Measured(calls, write_units=20, read_units=25, invocations=2, gb_seconds=0.5, repair_gb_seconds=2.0,
                    log_bytes=700, page_bytes=1500, recent_bytes=200, asset_bytes=3000, stored_bytes_per_post=15000)


def test_the_price_table_is_dated_and_names_its_sources() -> None:
    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    assert date.fromisoformat(prices["as_of"]) and prices["region"]
    assert set(prices["sources"]) >= {"lambda", "s3", "dynamodb", "sqs", "cloudfront", "cloudwatch"}


def test_the_bill_is_itemised_and_the_free_allowances_only_lower_it() -> None:
    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    lines = bill(_measured(), prices, posts_per_day=20, page_views=1_000_000)
    services = {service for service, *_ in lines}
    assert services >= {"Lambda", "S3", "DynamoDB", "SQS", "CloudFront", "CloudWatch"}
    assert all(0 <= charged <= listed + 1e-9 for _, _, listed, charged in lines)
    # 600 publishes a month: 600 S3 uploads by the newsroom and 600 x 16 by the functions
    (requests,) = [what for service, what, *_ in lines if service == "S3" and "PUT/LIST" in what]
    assert requests.startswith(f"{600 * 17:,} PUT/LIST")


def test_more_readers_cost_more_at_the_edge() -> None:
    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    small = sum(x[3] for x in bill(_measured(), prices, 20, 1_000_000))
    large = sum(x[3] for x in bill(_measured(), prices, 20, 50_000_000))
    assert large > small
