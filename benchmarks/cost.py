"""`python -m benchmarks.cost`: the monthly AWS bill of a model newsroom, itemised by service.

The AWS calls, invocations and function time of a publish are counted on the local stack (a 1,000-post site,
20 ms added to every AWS call, as the latency benchmark does); the page weights are those of the pages the
theme renders, compressed as CloudFront serves them. Prices come from `benchmarks/prices.json`, a dated table
kept in the repository. What is not counted is an assumption, named in the output.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.corpus import NOW, markdown

ROOT = Path(__file__).resolve().parents[1]
PRICES = Path(__file__).with_name("prices.json")
DAYS = 30
CACHE_HIT_RATIO = 0.9  # assumption: edge requests answered from the cache (articles live a year there)
ASSET_SHARE = 0.2  # assumption: page views that fetch the theme's assets (fingerprinted, cached for a year)
SQS_IDLE_POLLS = 5 * 3 * 60 * 24 * DAYS  # Lambda's 5 pollers long-poll (20 s) the queue all month
REPAIR_RUNS = 24 * DAYS  # the hourly repair pass (RepairSchedule)
ALARMS = 7


@dataclass
class Measured:
    calls: Counter  # service.Operation -> calls per publish
    write_units: float  # DynamoDB write request units per publish
    read_units: float  # DynamoDB read request units per publish (strongly consistent)
    invocations: float  # Lambda invocations per publish
    gb_seconds: float  # Lambda GB-seconds per publish
    repair_gb_seconds: float  # Lambda GB-seconds of one repair run
    log_bytes: float  # function log bytes per publish
    page_bytes: int  # an article page, compressed
    recent_bytes: int  # recent.json, compressed
    asset_bytes: int  # the theme's assets, compressed
    stored_bytes_per_post: int  # source, page and report


def measure(publishes: int = 3, posts: int = 1000) -> Measured:
    """Count what `publishes` publishes into a `posts`-post local site cost, per publish."""
    import botocore.client

    from benchmarks.latency import _seeded_site
    from pressroom.local import Stack, running_function
    from pressroom.local.latency import latency

    calls: Counter = Counter()
    units = {"write": 0.0, "read": 0.0}
    lock = threading.Lock()
    with Stack(root=ROOT, now=NOW) as stack:
        _seeded_site(stack, posts)
        real = botocore.client.BaseClient._make_api_call

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if running_function() is not None:
                with lock:
                    calls[f"{client.meta.service_model.service_name}.{operation}"] += 1
                    write, read = _request_units(operation, params)
                    units["write"] += write
                    units["read"] += read
            return real(client, operation, params)

        log_start = len(stack.log.getvalue()) if hasattr(stack.log, "getvalue") else 0
        botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
        try:
            with latency(0.02) as timed:
                for n in range(publishes):
                    stack.upload(f"articles/cost-{n}.md",
                                 markdown(f"Cost {n}", NOW - timedelta(hours=n + 1), ["port", "topic-3"]))
        finally:
            botocore.client.BaseClient._make_api_call = real  # type: ignore[method-assign]
        log_bytes = (len(stack.log.getvalue()) - log_start) if hasattr(stack.log, "getvalue") else 0
        memory = {f.logical_id: f.memory_mb / 1024 for f in stack.functions.values()}
        gb_seconds = sum(i.seconds * memory[i.function] for i in timed.invocations)
        stack.run_repair(whole=True)  # the seeded posts have no pages yet: a first pass makes them
        with latency(0.02) as repaired:  # then one scheduled run over a site without drift
            stack.run_repair()
        repair = sum(i.seconds * memory[i.function] for i in repaired.invocations) / max(len(repaired.of(
            "RenderFunction")), 1)
        page = stack.site_object("posts/cost-0/index.html") or b""
        recent = stack.site_object("recent.json") or b""
        assets = sum(len(gzip.compress(stack.site_object(k) or b"")) for k in stack.site_keys()
                     if k.startswith("assets/"))
        source = len(markdown("Cost 0", NOW, ["port"]))
        report = len(json.dumps(stack.report("articles/cost-0.md") or {}))
        return Measured(Counter({k: v / publishes for k, v in calls.items()}), units["write"] / publishes,
                        units["read"] / publishes, len(timed.invocations) / publishes, gb_seconds / publishes,
                        repair, log_bytes / publishes, len(gzip.compress(page)), len(gzip.compress(recent)),
                        assets, source + len(page) + report)


def _request_units(operation: str, params: dict[str, Any]) -> tuple[float, float]:
    """DynamoDB request units of one call (items under 1 KB written, 4 KB read; transactions count twice)."""
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        return 1.0, 0.0
    if operation == "TransactWriteItems":
        return 2.0 * len(params.get("TransactItems", [])), 0.0
    if operation == "GetItem":
        return 0.0, 1.0
    if operation == "TransactGetItems":
        return 0.0, 2.0 * len(params.get("TransactItems", []))
    if operation == "Query":
        return 0.0, math.ceil(int(params.get("Limit", 10)) * 0.6 / 4)  # about 0.6 KB a listed post
    return 0.0, 0.0


def bill(m: Measured, prices: dict[str, Any], posts_per_day: int, page_views: int) -> list[tuple[str, str, float,
                                                                                                 float]]:
    """(service, what, list price, price after the always-free allowances) per line, a month."""
    publishes = posts_per_day * DAYS
    lines: list[tuple[str, str, float, float]] = []
    lam = prices["lambda"]
    invocations = m.invocations * publishes + REPAIR_RUNS
    gb_s = m.gb_seconds * publishes + m.repair_gb_seconds * REPAIR_RUNS
    cost = invocations / 1e6 * lam["per_million_requests"]
    lines.append(("Lambda", f"{invocations:,.0f} invocations", cost,
                  max(invocations - lam["free_requests"], 0) / 1e6 * lam["per_million_requests"]))
    cost = gb_s * lam["per_gb_second_arm64"]
    lines.append(("Lambda", f"{gb_s:,.0f} GB-s (arm64, 1,024 MB)", cost,
                  max(gb_s - lam["free_gb_seconds"], 0) * lam["per_gb_second_arm64"]))
    s3 = prices["s3"]
    tier1 = sum(n for op, n in m.calls.items() if op.split(".")[1] in ("PutObject", "CopyObject", "ListObjectsV2"))
    tier1 = (tier1 + 1) * publishes  # + the newsroom's own upload
    requests = (page_views * (2 + ASSET_SHARE)) * (1 - CACHE_HIT_RATIO)
    tier2 = sum(n for op, n in m.calls.items() if op.split(".")[1] in ("GetObject", "HeadObject")) * publishes
    tier2 += requests  # CloudFront's misses, fetched from the site bucket
    cost = tier1 / 1000 * s3["per_thousand_put_copy_post_list"] + tier2 / 1000 * s3["per_thousand_get_head"]
    lines.append(("S3", f"{tier1:,.0f} PUT/LIST, {tier2:,.0f} GET/HEAD requests", cost, cost))
    stored_gb = m.stored_bytes_per_post * posts_per_day * 365 * 2 / 1e9  # a year's archive, with old versions
    cost = stored_gb * s3["per_gb_month_standard"]
    lines.append(("S3", f"{stored_gb:.2f} GB stored (a year of posts, with versions)", cost, cost))
    ddb = prices["dynamodb"]
    wru, rru = m.write_units * publishes, m.read_units * publishes
    cost = wru / 1e6 * ddb["per_million_write_request_units"] + rru / 1e6 * ddb["per_million_read_request_units"]
    lines.append(("DynamoDB", f"{wru:,.0f} write and {rru:,.0f} read request units (on demand)", cost, cost))
    table_gb = posts_per_day * 365 * 8 * 600 / 1e9  # about 8 items of 0.6 KB a post
    cost = table_gb * (ddb["per_gb_month_storage"] + ddb["per_gb_month_pitr"])
    lines.append(("DynamoDB", f"{table_gb * 1000:.0f} MB stored, with point-in-time recovery", cost,
                  table_gb * ddb["per_gb_month_pitr"]))
    sqs = prices["sqs"]
    sqs_requests = SQS_IDLE_POLLS + 3 * publishes  # + a send, a receive and a delete per upload
    lines.append(("SQS", f"{sqs_requests:,.0f} requests (Lambda's long polls, uploads)",
                  sqs_requests / 1e6 * sqs["per_million_requests"],
                  max(sqs_requests - sqs["free_requests"], 0) / 1e6 * sqs["per_million_requests"]))
    lines.append(("EventBridge", "S3 events on the default bus", 0.0, 0.0))
    cf = prices["cloudfront"]
    edge_requests = page_views * (2 + ASSET_SHARE)
    gb_out = page_views * (m.page_bytes + m.recent_bytes + ASSET_SHARE * m.asset_bytes) / 1e9
    functions = page_views * 2 * 2  # the page and recent.json, each through the viewer request and response
    cost = gb_out * cf["per_gb_out_north_america_europe"]
    lines.append(("CloudFront", f"{gb_out:,.1f} GB out", cost,
                  max(gb_out - cf["free_gb_out"], 0) * cf["per_gb_out_north_america_europe"]))
    cost = edge_requests / 10000 * cf["per_ten_thousand_https_requests"]
    lines.append(("CloudFront", f"{edge_requests:,.0f} HTTPS requests", cost,
                  max(edge_requests - cf["free_requests"], 0) / 10000 * cf["per_ten_thousand_https_requests"]))
    cost = functions / 1e6 * cf["per_million_function_invocations"]
    lines.append(("CloudFront", f"{functions:,.0f} function runs", cost,
                  max(functions - cf["free_function_invocations"], 0) / 1e6 * cf["per_million_function_invocations"]))
    lines.append(("CloudFront", f"{publishes:,} invalidation paths", max(publishes - cf["free_invalidation_paths"], 0)
                  * cf["per_invalidation_path_over_free"], max(publishes - cf["free_invalidation_paths"], 0)
                  * cf["per_invalidation_path_over_free"]))
    cw = prices["cloudwatch"]
    lines.append(("CloudWatch", f"{ALARMS} alarms", ALARMS * cw["per_alarm_month"],
                  max(ALARMS - cw["free_alarms"], 0) * cw["per_alarm_month"]))
    log_gb = m.log_bytes * publishes / 1e9
    lines.append(("CloudWatch", f"{log_gb * 1000:.1f} MB of function logs", log_gb * cw["per_gb_logs_ingested"],
                  max(log_gb - cw["free_gb_logs"], 0) * cw["per_gb_logs_ingested"]))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost", description=__doc__.split("\n")[0])
    parser.add_argument("--posts-per-day", type=int, default=20)
    parser.add_argument("--page-views", type=int, default=1_000_000, help="a month")
    args = parser.parse_args()
    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    measured = measure()
    print(f"A month of a newsroom publishing {args.posts_per_day} posts a day, read {args.page_views:,} times "
          f"(prices of {prices['as_of']}, {prices['region']}):")
    print(f"  measured per publish: {sum(measured.calls.values()):.0f} AWS calls, {measured.invocations:.0f} "
          f"invocations, {measured.gb_seconds:.2f} GB-s; article page {measured.page_bytes / 1000:.1f} KB and "
          f"recent.json {measured.recent_bytes / 1000:.1f} KB compressed")
    print(f"  assumed: {CACHE_HIT_RATIO:.0%} of edge requests answered from the cache, theme assets fetched on "
          f"{ASSET_SHARE:.0%} of page views, Lambda's pollers on the render queue all month")
    lines = bill(measured, prices, args.posts_per_day, args.page_views)
    print(f"  {'service':<12} {'what':<62} {'list':>9} {'after free':>11}")
    for service, what, listed, charged in lines:
        print(f"  {service:<12} {what:<62} {listed:>9.2f} {charged:>11.2f}")
    print(f"  {'total':<12} {'':<62} {sum(x[2] for x in lines):>9.2f} {sum(x[3] for x in lines):>11.2f}  USD a month")


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    main()
