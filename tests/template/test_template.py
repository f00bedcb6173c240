"""What template.yaml declares: private storage, least privilege, the event wiring, the CDN and the alarms."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from datetime import date
from typing import Any

import pytest

from pressroom import urls
from pressroom.events import REPAIR_TASK
from pressroom.local.template import logical
from tests.template.conftest import ROOT, sub_text

BUCKETS = ("ContentBucket", "SiteBucket", "LogsBucket")
QUEUES = ("RenderQueue", "RenderDeadLetterQueue", "IndexFailureQueue")
FUNCTIONS = ("RenderFunction", "IndexFunction")
# X-Ray has no resource-level permissions: these actions are the only ones granted on "*".
ACTIONS_WITHOUT_RESOURCES = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                             "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"}


def _props(resources: dict[str, Any], name: str) -> dict[str, Any]:
    return resources[name].get("Properties", {})


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in resources.items() if res["Type"] == kind}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _function_setting(template: dict[str, Any], function: str, name: str) -> Any:
    props = template["Resources"][function]["Properties"]
    return props[name] if name in props else template["Globals"]["Function"][name]


def _events(resources: dict[str, Any], function: str, kind: str) -> dict[str, Any]:
    found = [e["Properties"] for e in _props(resources, function)["Events"].values() if e["Type"] == kind]
    assert len(found) == 1, f"{function} has {len(found)} {kind} event sources"
    return found[0]


# --- storage -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_is_private_encrypted_and_versioned(resources: dict[str, Any], bucket: str) -> None:
    props = _props(resources, bucket)
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules and rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["VersioningConfiguration"]["Status"] == "Enabled"


@pytest.mark.parametrize("bucket", ("ContentBucket", "SiteBucket"))
def test_content_and_site_buckets_disable_acls_and_log_access(resources: dict[str, Any], bucket: str) -> None:
    props = _props(resources, bucket)
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert logical(props["LoggingConfiguration"]["DestinationBucketName"]) == "LogsBucket"


def test_access_logs_are_accepted_only_from_the_stacks_buckets(resources: dict[str, Any]) -> None:
    statements = _props(resources, "LogsBucketPolicy")["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in allow] == [{"Service": "logging.s3.amazonaws.com"}]
    sources = {logical(arn) for arn in allow[0]["Condition"]["ArnLike"]["aws:SourceArn"]}
    assert sources == {"ContentBucket", "SiteBucket"}


@pytest.mark.parametrize("bucket", BUCKETS)
def test_bucket_refuses_plain_http(resources: dict[str, Any], bucket: str) -> None:
    policies = [p for p in _of_type(resources, "AWS::S3::BucketPolicy").values()
                if logical(p["Properties"]["Bucket"]) == bucket]
    assert len(policies) == 1
    denies = [s for s in policies[0]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Principal"] == "*"
               for s in denies)


def test_content_bucket_notifies_eventbridge(resources: dict[str, Any]) -> None:
    config = _props(resources, "ContentBucket")["NotificationConfiguration"]
    assert config == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_site_bucket_is_readable_only_by_this_distribution(resources: dict[str, Any]) -> None:
    statements = _props(resources, "SiteBucketPolicy")["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allow) == 1
    (grant,) = allow
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Action"] == "s3:GetObject"  # no ListBucket: a missing object is a 403, answered as a 404
    assert sub_text(grant["Resource"]) == "${SiteBucket.Arn}/*"
    source = grant["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert sub_text(source) == "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"


def test_posts_table_has_stream_recovery_and_encryption(resources: dict[str, Any]) -> None:
    props = _props(resources, "PostsTable")
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


# --- events ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("queue", QUEUES)
def test_queue_is_encrypted(resources: dict[str, Any], queue: str) -> None:
    props = _props(resources, queue)
    assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props


def test_render_queue_visibility_timeout_is_six_function_timeouts(template: dict[str, Any]) -> None:
    timeout = int(_function_setting(template, "RenderFunction", "Timeout"))
    assert int(_props(template["Resources"], "RenderQueue")["VisibilityTimeout"]) >= 6 * timeout


def test_render_queue_sends_repeated_failures_to_its_dead_letter_queue(resources: dict[str, Any],
                                                                       template: dict[str, Any]) -> None:
    redrive = _props(resources, "RenderQueue")["RedrivePolicy"]
    assert logical(redrive["deadLetterTargetArn"]) == "RenderDeadLetterQueue"
    # one template value sets the redrive policy and tells the render function which delivery is the last
    assert redrive["maxReceiveCount"] == {"Ref": "RenderMaxReceiveCount"}
    parameter = template["Parameters"]["RenderMaxReceiveCount"]
    assert 1 < int(parameter["MinValue"]) <= int(parameter["Default"]) <= 10
    env = _props(resources, "RenderFunction")["Environment"]["Variables"]
    assert env["MAX_RECEIVE_COUNT"] == {"Ref": "RenderMaxReceiveCount"}
    assert logical(env["DEAD_LETTER_QUEUE"]) == "RenderDeadLetterQueue"
    assert int(_props(resources, "RenderDeadLetterQueue")["MessageRetentionPeriod"]) == 14 * 24 * 3600


def test_content_events_rule_takes_only_the_pipelines_inputs(resources: dict[str, Any]) -> None:
    props = _props(resources, "ContentEventsRule")
    pattern = props["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert set(pattern["detail-type"]) == {"Object Created", "Object Deleted"}
    assert [logical(b) for b in pattern["detail"]["bucket"]["name"]] == ["ContentBucket"]
    assert pattern["detail"]["object"]["key"] == [
        urls.CONTENT_SITE_SETTINGS, {"prefix": urls.CONTENT_ARTICLES}, {"prefix": urls.CONTENT_MEDIA}]
    assert [logical(t["Arn"]) for t in props["Targets"]] == ["RenderQueue"]
    (allow,) = [s for s in _props(resources, "RenderQueuePolicy")["PolicyDocument"]["Statement"]
                if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert logical(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == "ContentEventsRule"


def _window(template: dict[str, Any], mapping: dict[str, Any]) -> tuple[int, int, int]:
    """A mapping's batching window, a template parameter: its default and its bounds."""
    parameter = template["Parameters"][logical(mapping["MaximumBatchingWindowInSeconds"])]
    return int(parameter["Default"]), int(parameter["MinValue"]), int(parameter["MaxValue"])


def test_render_mapping_reports_partial_batch_failures(template: dict[str, Any], resources: dict[str, Any]) -> None:
    mapping = _events(resources, "RenderFunction", "SQS")
    assert logical(mapping["Queue"]) == "RenderQueue"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= mapping["BatchSize"] <= 10
    # latency first: an upload is rendered at once; a newsroom may gather uploads for up to 5 minutes (AWS's bound)
    assert _window(template, mapping) == (0, 0, 300)


def test_render_mapping_never_runs_more_functions_than_are_reserved(resources: dict[str, Any]) -> None:
    # A poller above the reserved concurrency gets throttled, and throttled messages count toward the DLQ.
    mapping = _events(resources, "RenderFunction", "SQS")
    reserved = _props(resources, "RenderFunction")["ReservedConcurrentExecutions"]
    assert reserved == {"Fn::If": ["ReservesConcurrency", {"Ref": "RenderConcurrency"}, {"Ref": "AWS::NoValue"}]}
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "RenderConcurrency"}


def test_stream_mapping_coalesces_bisects_and_sets_failures_aside(template: dict[str, Any],
                                                                  resources: dict[str, Any]) -> None:
    mapping = _events(resources, "IndexFunction", "DynamoDB")
    assert logical(mapping["Stream"]) == "PostsTable"
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    # a burst of uploads within a second is one rebuild; Lambda refuses a window under 1 s for batches over 10
    assert mapping["BatchSize"] > 10 and _window(template, mapping) == (1, 1, 300)
    assert mapping["BisectBatchOnFunctionError"] is True  # a poison record ends up alone
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10  # bounded: the shard moves on
    assert 0 < mapping["MaximumRecordAgeInSeconds"] <= 24 * 3600
    on_failure = mapping["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS" and logical(on_failure["Destination"]) == "IndexFailureQueue"
    assert any("POST#" in f["Pattern"] for f in mapping["FilterCriteria"]["Filters"])


def test_scheduler_role_only_sends_to_the_render_queue(resources: dict[str, Any]) -> None:
    props = _props(resources, "SchedulerRole")
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    groups = {sub_text(arn).rsplit("schedule-group/", 1)[-1] for arn in
              _as_list(trust["Condition"]["ArnEquals"]["aws:SourceArn"])}
    assert groups == {sub_text(_props(resources, g)["Name"]) for g in ("SchedulesGroup", "RepairScheduleGroup")}
    statements = [s for p in props["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert [(s["Action"], logical(s["Resource"])) for s in statements] == [("sqs:SendMessage", "RenderQueue")]


def test_render_function_schedules_in_the_stacks_group(resources: dict[str, Any]) -> None:
    group = _props(resources, "SchedulesGroup")["Name"]
    env = _props(resources, "RenderFunction")["Environment"]["Variables"]
    assert env["SCHEDULER_GROUP"] == group
    assert logical(env["SCHEDULER_ROLE_ARN"]) == "SchedulerRole"
    assert logical(env["SCHEDULER_TARGET_ARN"]) == "RenderQueue"


def test_the_repair_pass_is_scheduled_in_its_own_group_at_the_parameters_rate(
        resources: dict[str, Any], template: dict[str, Any]) -> None:
    (name,) = _of_type(resources, "AWS::Scheduler::Schedule")
    props = _props(resources, name)
    assert logical(props["GroupName"]) == "RepairScheduleGroup"
    assert sub_text(_props(resources, "RepairScheduleGroup")["Name"]) != sub_text(
        _props(resources, "SchedulesGroup")["Name"])
    assert props["ScheduleExpression"] == {"Ref": "RepairSchedule"}
    assert template["Parameters"]["RepairSchedule"]["Default"] == "rate(1 hour)"
    assert re.fullmatch(template["Parameters"]["RepairSchedule"]["AllowedPattern"], "cron(0 * * * ? *)")
    assert props["State"] == "ENABLED"
    target = props["Target"]
    assert (logical(target["Arn"]), logical(target["RoleArn"])) == ("RenderQueue", "SchedulerRole")
    assert target["Input"] == REPAIR_TASK  # the body the render function reads as one repair run


def test_the_render_function_cannot_touch_the_repair_schedule(resources: dict[str, Any]) -> None:
    statements = _props(resources, "RenderFunctionRole")["Policies"][0]["PolicyDocument"]["Statement"]
    managed = [sub_text(s["Resource"]) for s in statements if any(
        a.startswith("scheduler:") for a in _as_list(s["Action"]))]
    repair_group = sub_text(_props(resources, "RepairScheduleGroup")["Name"])
    assert managed and not any(repair_group in str(m) for m in managed)


# --- functions and permissions -------------------------------------------------------------------------------

def test_functions_share_runtime_layer_tracing_and_powertools_settings(template: dict[str, Any]) -> None:
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13" and globals_["Architectures"] == ["arm64"]
    assert globals_["Tracing"] == "Active"
    assert [logical(layer) for layer in globals_["Layers"]] == ["PressroomLayer"]
    env = globals_["Environment"]["Variables"]
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(env)
    assert {logical(env[name]) for name in ("CONTENT_BUCKET", "SITE_BUCKET", "POSTS_TABLE")} == {
        "ContentBucket", "SiteBucket", "PostsTable"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_logs_to_its_own_group_with_retention(resources: dict[str, Any], function: str) -> None:
    group = logical(_props(resources, function)["LoggingConfig"]["LogGroup"])
    assert resources[group]["Type"] == "AWS::Logs::LogGroup"
    assert logical(_props(resources, group)["RetentionInDays"]) == "LogRetentionDays"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_has_reserved_concurrency_and_a_dead_letter_queue(resources: dict[str, Any], function: str) -> None:
    props = _props(resources, function)
    assert "ReservedConcurrentExecutions" in props
    assert props["DeadLetterQueue"]["Type"] == "SQS"
    assert logical(props["DeadLetterQueue"]["TargetArn"]) in QUEUES


def test_layer_builds_with_its_makefile_for_arm64(resources: dict[str, Any]) -> None:
    layer = resources["PressroomLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build-PressroomLayer:", makefile, re.MULTILINE)


def _policy_statements(translated: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, res in translated["Resources"].items():
        if res["Type"] == "AWS::IAM::Role":
            for policy in res["Properties"].get("Policies", []):
                found += [(name, s) for s in _as_list(policy["PolicyDocument"]["Statement"])]
        elif res["Type"] == "AWS::IAM::Policy":
            found += [(name, s) for s in _as_list(res["Properties"]["PolicyDocument"]["Statement"])]
    return found


def test_every_function_runs_under_the_role_the_template_declares(translated: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        role = translated["Resources"][function]["Properties"]["Role"]
        assert logical(role) == f"{function}Role"
    # SAM adds no role of its own, so no AWS-managed policy reaching every queue or stream of the account
    roles = [n for n, r in translated["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    assert sorted(roles) == ["IndexFunctionRole", "RenderFunctionRole", "SchedulerRole"]
    assert not any(translated["Resources"][r]["Properties"].get("ManagedPolicyArns") for r in roles)


def test_permissions_name_their_resources(translated: dict[str, Any]) -> None:
    statements = _policy_statements(translated)
    assert statements
    for owner, statement in statements:
        assert statement["Effect"] == "Allow", owner
        actions = set(_as_list(statement["Action"]))
        assert not any(a == "*" or a.endswith(":*") for a in actions), (owner, actions)
        if _as_list(statement["Resource"]) == ["*"]:
            assert actions <= ACTIONS_WITHOUT_RESOURCES, (owner, actions)
        for resource in _as_list(statement["Resource"]):
            assert resource == "*" or isinstance(resource, dict), (owner, resource)


def _granted(translated: dict[str, Any], role: str) -> dict[str, set[str]]:
    """Action -> the logical ids (or Sub strings) it is granted on, for one role."""
    grants: dict[str, set[str]] = {}
    for owner, statement in _policy_statements(translated):
        res = translated["Resources"][owner]
        roles = [logical(r) for r in res["Properties"].get("Roles", [])] if owner != role else [role]
        if role not in roles:
            continue
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                grants.setdefault(action, set()).add(logical(resource) or sub_text(resource) or str(resource))
    return grants


def test_render_role_reaches_its_queue_and_nothing_it_does_not_use(translated: dict[str, Any]) -> None:
    grants = _granted(translated, "RenderFunctionRole")
    assert grants["sqs:ReceiveMessage"] == {"RenderQueue"}
    assert grants["sqs:SendMessage"] == {"RenderQueue", "RenderDeadLetterQueue"}
    assert grants["s3:PutObject"] == {"${ContentBucket.Arn}/_reports/*", "${SiteBucket.Arn}/*"}
    assert grants["iam:PassRole"] == {"SchedulerRole"}
    assert grants["cloudfront:CreateInvalidation"] == {
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"}
    assert "dynamodb:Scan" not in grants


def test_index_role_reads_the_stream_and_writes_only_the_site(translated: dict[str, Any]) -> None:
    grants = _granted(translated, "IndexFunctionRole")
    assert grants["dynamodb:GetRecords"] == {"PostsTable"}  # !GetAtt PostsTable.StreamArn
    assert grants["sqs:SendMessage"] == {"IndexFailureQueue"}
    assert grants["s3:PutObject"] == {"${SiteBucket.Arn}/*"}
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"} & set(grants)
    assert not any(a.startswith(("scheduler:", "iam:")) for a in grants)


def test_passing_the_scheduler_role_is_limited_to_the_scheduler(resources: dict[str, Any]) -> None:
    statements = _props(resources, "RenderFunctionRole")["Policies"][0]["PolicyDocument"]["Statement"]
    (passing,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


# --- CDN -------------------------------------------------------------------------------------------------

def _distribution(resources: dict[str, Any]) -> dict[str, Any]:
    return _props(resources, "Distribution")["DistributionConfig"]


def _behaviors(resources: dict[str, Any]) -> list[dict[str, Any]]:
    config = _distribution(resources)
    return [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]


def test_distribution_reads_the_site_bucket_through_origin_access_control(resources: dict[str, Any]) -> None:
    (origin,) = _distribution(resources)["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert logical(origin["OriginAccessControlId"]) == "SiteOriginAccessControl"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = _props(resources, "SiteOriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3", "always", "sigv4")


def test_distribution_speaks_https_http2_and_http3(resources: dict[str, Any]) -> None:
    config = _distribution(resources)
    assert config["HttpVersion"] == "http2and3"
    for behavior in _behaviors(resources):
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["Compress"] is True
        assert behavior["AllowedMethods"] == ["GET", "HEAD"]
        assert logical(behavior["ResponseHeadersPolicyId"]) == "SecurityHeadersPolicy"
        assert behavior["TargetOriginId"] == "site"


def test_custom_domain_requires_tls_1_2(template: dict[str, Any]) -> None:
    config = _distribution(template["Resources"])
    condition, custom, default = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasCustomDomain"
    assert custom == {"AcmCertificateArn": {"Ref": "CertificateArn"}, "SslSupportMethod": "sni-only",
                      "MinimumProtocolVersion": "TLSv1.2_2021"}
    assert default == {"CloudFrontDefaultCertificate": True}
    assert config["Aliases"] == {"Fn::If": ["HasCustomDomain", [{"Ref": "DomainName"}], {"Ref": "AWS::NoValue"}]}
    both = template["Conditions"]["HasCustomDomain"]["Fn::And"]
    assert {str(c) for c in both} == {str({"Fn::Not": [{"Fn::Equals": [{"Ref": p}, ""]}]})
                                      for p in ("DomainName", "CertificateArn")}


def test_missing_pages_are_answered_with_the_404_page(resources: dict[str, Any]) -> None:
    responses = {r["ErrorCode"]: r for r in _distribution(resources)["CustomErrorResponses"]}
    assert set(responses) == {403, 404}  # behind OAC a missing object is a 403
    for response in responses.values():
        assert response["ResponseCode"] == 404
        assert response["ResponsePagePath"] == "/" + urls.NOT_FOUND_KEY


def test_both_cloudfront_functions_run_on_pages(resources: dict[str, Any]) -> None:
    by_pattern = {b.get("PathPattern", "default"): b for b in _behaviors(resources)}
    for pattern in ("default", "posts/*"):
        associations = {a["EventType"]: a["FunctionARN"]["Fn::GetAtt"][0]
                        for a in by_pattern[pattern]["FunctionAssociations"]}
        assert associations == {"viewer-request": "ViewerRequestFunction",
                                "viewer-response": "ViewerResponseFunction"}
    for name in ("ViewerRequestFunction", "ViewerResponseFunction"):
        props = _props(resources, name)
        assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
        assert props["AutoPublish"] is True


def _shared_lifetime(cache_control: str) -> int:
    directives = dict(re.findall(r"([a-z-]+)=(\d+)", cache_control))
    return int(directives.get("s-maxage", directives["max-age"]))


SITE_KEYS = [
    urls.HOME_KEY, urls.post_key("harbour-reopens"), urls.month_archive_key(date(2026, 3, 1)),
    urls.tag_key("local"), urls.tag_year_key("local", 2026), urls.ATOM_KEY, urls.RSS_KEY, urls.JSON_FEED_KEY,
    urls.RECENT_KEY, urls.SITEMAP_INDEX_KEY, urls.sitemap_part_key(2026, 3), urls.ROBOTS_KEY, urls.NOT_FOUND_KEY,
    urls.asset_key("style", "3f2a9c1d", "css"), urls.media_site_key("media/photos/harbour.jpg"),
]


@pytest.mark.parametrize("key", SITE_KEYS)
def test_edge_lifetime_matches_the_objects_cache_control(resources: dict[str, Any], key: str) -> None:
    config = _distribution(resources)
    behavior = next((b for b in config["CacheBehaviors"] if fnmatch.fnmatchcase(key, b["PathPattern"])),
                    config["DefaultCacheBehavior"])
    policy = _props(resources, logical(behavior["CachePolicyId"]))["CachePolicyConfig"]
    lifetime = _shared_lifetime(urls.cache_control(key))
    # the edge keeps an object exactly as long as its Cache-Control says, never longer
    assert policy["MinTTL"] <= lifetime <= policy["MaxTTL"] == lifetime
    assert policy["DefaultTTL"] <= lifetime
    keyed = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keyed["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    assert keyed["EnableAcceptEncodingGzip"] and keyed["EnableAcceptEncodingBrotli"]


def test_listings_stay_fresh_within_a_minute(resources: dict[str, Any]) -> None:
    listing = _props(resources, "ListingCachePolicy")["CachePolicyConfig"]
    assert listing["MaxTTL"] <= 60
    for key in (urls.HOME_KEY, urls.RECENT_KEY, urls.ATOM_KEY):
        assert _shared_lifetime(urls.cache_control(key)) <= 60


def test_security_headers(resources: dict[str, Any]) -> None:
    headers = _props(resources, "SecurityHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] is True
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] in ("strict-origin-when-cross-origin", "no-referrer",
                                                           "same-origin", "strict-origin")
    for config in headers.values():
        assert config["Override"] is True


def test_distribution_logs_to_the_logs_bucket(resources: dict[str, Any]) -> None:
    logging = _distribution(resources)["Logging"]
    assert logging["Bucket"] == {"Fn::GetAtt": ["LogsBucket", "RegionalDomainName"]}


# --- alarms and outputs --------------------------------------------------------------------------------------

def _alarms(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in _of_type(resources, "AWS::CloudWatch::Alarm").values()]


def _watched(resources: dict[str, Any], metric: str) -> set[str]:
    return {logical(d["Value"]) for a in _alarms(resources) if a["MetricName"] == metric for d in a["Dimensions"]}


def test_alarms_watch_dead_letters_errors_and_stream_lag(resources: dict[str, Any]) -> None:
    assert _watched(resources, "ApproximateNumberOfMessagesVisible") >= {"RenderDeadLetterQueue",
                                                                         "IndexFailureQueue"}
    assert _watched(resources, "Errors") == set(FUNCTIONS)
    assert _watched(resources, "IteratorAge") == {"IndexFunction"}
    for alarm in _alarms(resources):
        assert [logical(a) for a in alarm["AlarmActions"]] == ["AlarmTopic"]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_drift_alarm_watches_the_metric_the_render_function_emits(resources: dict[str, Any],
                                                                   template: dict[str, Any]) -> None:
    # Powertools puts metrics in POWERTOOLS_METRICS_NAMESPACE with one dimension, service
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    (alarm,) = [a for a in _alarms(resources) if a["MetricName"] == "DriftRepaired"]
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == ("Sum", 0, "GreaterThanThreshold")


def test_alarm_email_is_optional(resources: dict[str, Any], template: dict[str, Any]) -> None:
    subscription = resources["AlarmSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"
    assert logical(subscription["Properties"]["Endpoint"]) == "AlarmEmail"
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def test_outputs_name_the_buckets_table_and_site(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert logical(outputs["ContentBucketName"]["Value"]) == "ContentBucket"
    assert logical(outputs["SiteBucketName"]["Value"]) == "SiteBucket"
    assert logical(outputs["PostsTableName"]["Value"]) == "PostsTable"
    assert outputs["DistributionDomainName"]["Value"] == {"Fn::GetAtt": ["Distribution", "DomainName"]}
    assert outputs["SiteUrl"]["Value"]["Fn::If"][0] == "HasCustomDomain"


def test_every_checkov_skip_says_why(resources: dict[str, Any]) -> None:
    skips = [(name, skip) for name, res in resources.items()
             for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
        assert len(skip.get("comment", "").split()) >= 6, f"{name} skips {skip['id']} without a reason"


def test_samconfig_deploys_with_iam_capability_and_a_managed_artifact_bucket() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    deploy = config["default"]["deploy"]["parameters"]
    assert "CAPABILITY_IAM" in deploy["capabilities"]
    assert deploy["resolve_s3"] is True
    assert config["default"]["global"]["parameters"]["stack_name"]


def test_deploy_guide_describes_every_parameter_and_the_outputs_it_names(template: dict[str, Any]) -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for parameter in template["Parameters"]:
        assert f"| `{parameter}` |" in guide, parameter
    named = set(re.findall(r"^\| `([A-Za-z]+)`", guide, re.MULTILINE)) - set(template["Parameters"])
    named |= set(re.findall(r"OutputKey=='([A-Za-z]+)'", guide))
    assert named <= set(template["Outputs"]), named - set(template["Outputs"])
    # and every output the stack gives is in the outputs table (alone or beside others in one row)
    rows = re.findall(r"^\| (`[A-Za-z]+`(?:, `[A-Za-z]+`)*) \|", guide, re.MULTILINE)
    in_table = {name for row in rows for name in re.findall(r"`([A-Za-z]+)`", row)}
    assert set(template["Outputs"]) <= in_table, set(template["Outputs"]) - in_table


def test_the_content_and_the_index_outlive_the_stack(template: dict[str, Any]) -> None:
    # the articles and the first-publication dates of undated ones: a stack deletion or replacement keeps them
    for name in ("ContentBucket", "PostsTable"):
        resource = template["Resources"][name]
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), name


# --- staff roles ---------------------------------------------------------------------------------------------

CONTENT_ARN, STACK_ARN = "arn:aws:s3:::content", "arn:aws:cloudformation:us-east-1:123456789012:stack/news/1"


def _arn(value: Any) -> str:
    """A policy's resource with the template's references filled in (the content bucket, this stack)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return str(value["Fn::Sub"]).replace("${ContentBucket.Arn}", CONTENT_ARN)
    if value == {"Fn::GetAtt": ["ContentBucket", "Arn"]} or value == {"Fn::GetAtt": "ContentBucket.Arn"}:
        return CONTENT_ARN
    if value == {"Ref": "AWS::StackId"}:
        return STACK_ARN
    raise AssertionError(f"a staff policy names something other than the content bucket or the stack: {value}")


def _allows(resources: dict[str, Any], policy: str, action: str, resource: str, prefix: str | None = None) -> bool:
    """Whether `policy` allows `action` on `resource` (for ListBucket, with `prefix`), as IAM evaluates an
    identity policy of Allow statements: an action, a resource pattern and StringLike conditions must match."""
    from fnmatch import fnmatchcase

    for statement in _as_list(_props(resources, policy)["PolicyDocument"]["Statement"]):
        assert statement["Effect"] == "Allow"
        if action not in _as_list(statement["Action"]):
            continue
        if not any(fnmatchcase(resource, _arn(r)) for r in _as_list(statement["Resource"])):
            continue
        like = statement.get("Condition", {}).get("StringLike", {})
        if like and (prefix is None or not any(fnmatchcase(prefix, p) for p in _as_list(like["s3:prefix"]))):
            continue
        return True
    return False


def test_staff_policies_are_managed_policies_with_their_arns_as_outputs(template: dict[str, Any]) -> None:
    for policy in ("ReporterPolicy", "EditorPolicy", "ReadOnlyPolicy"):
        assert template["Resources"][policy]["Type"] == "AWS::IAM::ManagedPolicy"
        assert template["Outputs"][f"{policy}Arn"]["Value"] == {"Ref": policy}
        for statement in _as_list(_props(template["Resources"], policy)["PolicyDocument"]["Statement"]):
            for resource in _as_list(statement["Resource"]):
                _arn(resource)  # only the content bucket's prefixes and this stack


@pytest.mark.parametrize(("policy", "action", "key", "allowed"), [
    ("ReporterPolicy", "s3:PutObject", "articles/port-strike.md", True),
    ("ReporterPolicy", "s3:PutObject", "media/photos/quay.jpg", True),
    ("ReporterPolicy", "s3:DeleteObject", "articles/port-strike.md", True),
    ("ReporterPolicy", "s3:GetObject", "_reports/articles/port-strike.md.json", True),
    ("ReporterPolicy", "s3:GetObject", "_reports/media/photos/quay.jpg.json", True),
    ("ReporterPolicy", "s3:PutObject", "site.yaml", False),
    ("ReporterPolicy", "s3:PutObject", "_reports/articles/port-strike.md.json", False),
    ("ReporterPolicy", "s3:GetObject", "_reports/site.yaml.json", False),
    ("ReporterPolicy", "s3:PutObject", "articlesx/escape.md", False),
    ("EditorPolicy", "s3:PutObject", "site.yaml", True),
    ("EditorPolicy", "s3:PutObject", "articles/port-strike.md", True),
    ("EditorPolicy", "s3:GetObject", "_reports/site.yaml.json", True),
    ("EditorPolicy", "s3:PutObject", "_reports/site.yaml.json", False),
    ("EditorPolicy", "s3:PutObject", "theme/base.html", False),
    ("ReadOnlyPolicy", "s3:GetObject", "articles/port-strike.md", True),
    ("ReadOnlyPolicy", "s3:GetObject", "_reports/articles/port-strike.md.json", True),
    ("ReadOnlyPolicy", "s3:PutObject", "articles/port-strike.md", False),
    ("ReadOnlyPolicy", "s3:DeleteObject", "articles/port-strike.md", False),
])
def test_staff_policies_reach_their_prefixes_and_nothing_else(resources: dict[str, Any], policy: str, action: str,
                                                              key: str, allowed: bool) -> None:
    assert _allows(resources, policy, action, f"{CONTENT_ARN}/{key}") is allowed


def test_staff_can_find_the_stack_and_list_only_their_prefixes(resources: dict[str, Any]) -> None:
    for policy in ("ReporterPolicy", "EditorPolicy", "ReadOnlyPolicy"):
        assert _allows(resources, policy, "cloudformation:DescribeStacks", STACK_ARN)
        assert not _allows(resources, policy, "cloudformation:DescribeStacks", STACK_ARN.replace("news", "other"))
        assert not _allows(resources, policy, "s3:PutObject", "arn:aws:s3:::site/index.html")
    assert _allows(resources, "ReporterPolicy", "s3:ListBucket", CONTENT_ARN, prefix="articles/")
    assert _allows(resources, "ReporterPolicy", "s3:ListBucket", CONTENT_ARN, prefix="_reports/articles/")
    assert not _allows(resources, "ReporterPolicy", "s3:ListBucket", CONTENT_ARN, prefix="_reports/")
    assert _allows(resources, "ReadOnlyPolicy", "s3:ListBucket", CONTENT_ARN, prefix="")
