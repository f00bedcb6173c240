"""What the local stack leaves out of the template is the CDN and what names it, checked by these tests instead."""

from __future__ import annotations

from typing import Any

from pressroom.local import Stack

# Not CloudFront resources themselves, but they name the distribution (its ARN in a condition or a statement).
NAMING_THE_DISTRIBUTION = {"SiteBucketPolicy": "AWS::S3::BucketPolicy", "InvalidateSitePolicy": "AWS::IAM::Policy"}


def test_local_stack_leaves_out_exactly_the_cdn(stack: Stack, resources: dict[str, Any]) -> None:
    cdn = {name: res["Type"] for name, res in resources.items() if res["Type"].startswith("AWS::CloudFront::")}
    assert stack.left_out == cdn | NAMING_THE_DISTRIBUTION


def test_local_stack_deploys_storage_events_functions_and_their_roles(stack: Stack) -> None:
    # moto's CloudFormation silently skips types it does not model (bucket and queue policies, alarms), so
    # what the pipeline and the permissions test rely on is named here
    expected = {"ContentBucket", "SiteBucket", "LogsBucket", "PostsTable", "RenderQueue", "RenderDeadLetterQueue",
                "IndexFailureQueue", "ContentEventsRule", "RenderFunction", "IndexFunction", "RenderFunctionRole",
                "IndexFunctionRole", "SchedulerRole", "RenderFunctionLogs", "IndexFunctionLogs"}
    assert expected <= set(stack.resources)


def test_local_stack_holds_the_repair_schedule_in_its_own_group(stack: Stack, resources: dict[str, Any]) -> None:
    # moto's CloudFormation skips schedules and their groups: the local stack creates them from the template
    (schedule,) = stack.repair_schedules()
    assert schedule["GroupName"] == f"{stack.stack_name}-repair" != stack._schedule_group()
    assert schedule["Target"]["Input"] == resources["RepairPassSchedule"]["Properties"]["Target"]["Input"]
    assert schedule["Target"]["RoleArn"].endswith("/" + stack.resources["SchedulerRole"])
