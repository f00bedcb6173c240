"""The preview answers like the CDN of template.yaml: the shared URL table, headers, behaviours, error pages."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from pressroom.config import Config
from pressroom.preview import Cdn, Preview
from pressroom.preview.cdn import Answer, viewer_request, viewer_response
from pressroom.publish import Services

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
CASES = json.loads((ROOT / "tests" / "template" / "url_cases.json").read_text(encoding="utf-8"))
CDN = Cdn.from_template(TEMPLATE)


def _template() -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


class _Missing(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.response = {"Error": {"Code": "NoSuchKey"}}


class FakeBucket:
    """An S3 client holding one object per key asked for (or none), recording what the preview fetched."""

    def __init__(self, objects: dict[str, dict[str, Any]] | None = None, *, everything: bool = False) -> None:
        self.objects = objects or {}
        self.everything = everything
        self.fetched: list[str] = []

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.fetched.append(Key)
        found = self.objects.get(Key) or ({"metadata": {}} if self.everything else None)
        if found is None:
            raise _Missing(Key)
        return {"Body": io.BytesIO(b"<!DOCTYPE html><html><head></head><body>page</body></html>"),
                "ContentType": "text/html; charset=utf-8", "Metadata": found["metadata"]}

    def get_paginator(self, name: str) -> Any:
        class _Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [{"Contents": []}]

        return _Pages()


def _preview(bucket: FakeBucket) -> Preview:
    config = Config(content_bucket="content", site_bucket="site", posts_table="posts")
    return Preview(Services(config, s3=bucket, dynamodb=object()), CDN, live=False)


def _target(uri: str, query: str) -> str:
    return uri + ("?" + query if query else "")


@pytest.mark.parametrize("case", CASES["request"], ids=lambda case: case["name"])
def test_preview_passes_the_shared_viewer_request_cases(case: dict[str, Any]) -> None:
    # given
    behaviour = CDN.behaviour(case["uri"])
    if not behaviour.viewer_request and case["expect"].get("uri") != case["uri"]:
        pytest.skip(f"template.yaml's {behaviour.path_pattern} behaviour runs no viewer-request function: the CDN, "
                    f"and so the preview, fetch {case['uri']} as it is")
    bucket = FakeBucket(everything=True)

    # when
    response = _preview(bucket).respond("GET", _target(case["uri"], case["querystring"]))

    # then
    expect = case["expect"]
    if "uri" in expect:
        assert response.status == 200
        assert bucket.fetched[0] == unquote(expect["uri"][1:])  # S3 decodes the path it is sent
    else:
        assert response.status == expect["status"]
        assert response.headers.get("Location") == expect.get("location")
        assert bucket.fetched == []


@pytest.mark.parametrize("case", CASES["response"], ids=lambda case: case["name"])
def test_preview_passes_the_shared_viewer_response_cases(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if case["status"] == 304:
        # a 304 comes from the origin on a conditional request; the function leaves it as it is
        assert viewer_response(304, case["metadata"]) == Answer(304)
        return
    # given
    objects = {case["uri"][1:]: {"metadata": case["metadata"]}} if case["status"] == 200 else {}
    bucket = FakeBucket(objects)

    # when
    response = _preview(bucket).respond("GET", case["uri"])

    # then
    assert response.status == expect["status"]
    assert response.headers.get("Location") == expect.get("location")
    assert not [name for name in response.headers if name.lower().startswith("x-amz-meta-")]


def test_security_headers_are_the_template_policy() -> None:
    # given
    policy = _template()["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]

    # when
    headers = dict(_preview(FakeBucket(everything=True)).respond("GET", "/").headers)

    # then
    assert headers["Content-Security-Policy"] == security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert headers["X-Frame-Options"] == security["FrameOptions"]["FrameOption"]
    assert headers["Referrer-Policy"] == security["ReferrerPolicy"]["ReferrerPolicy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith(
        f"max-age={security['StrictTransportSecurity']['AccessControlMaxAgeSec']}")
    for item in policy.get("CustomHeadersConfig", {}).get("Items", []):
        assert headers[item["Header"]] == item["Value"]


def test_every_behaviour_of_the_distribution_is_modelled() -> None:
    config = next(r for r in _template()["Resources"].values()
                  if r["Type"] == "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    patterns = [b["PathPattern"] for b in config.get("CacheBehaviors", [])] + ["*"]
    assert [b.path_pattern for b in CDN.behaviours] == patterns
    for behaviour in CDN.behaviours:
        assert behaviour.headers, behaviour.path_pattern
    assert CDN.behaviour("/posts/a/").path_pattern.startswith("posts")
    assert CDN.behaviour("/feed.xml").path_pattern == "*"


def test_missing_pages_answer_the_custom_error_page_with_its_status() -> None:
    # given: behind Origin Access Control S3 answers 403 for a key that does not exist
    status, page = CDN.error_pages[403]
    bucket = FakeBucket({page[1:]: {"metadata": {}}})

    # when
    response = _preview(bucket).respond("GET", "/posts/nothing-here/")

    # then
    assert status == 404
    assert response.status == 404
    assert bucket.fetched == ["posts/nothing-here/index.html", page[1:]]


def test_methods_the_distribution_does_not_allow_are_forbidden() -> None:
    response = _preview(FakeBucket(everything=True)).respond("POST", "/")
    assert response.status == 403


def test_repeated_query_names_are_grouped_like_cloudfront() -> None:
    assert viewer_request("/a", "x=1&y=2&x=3") == Answer(301, "/a/?x=1&x=3&y=2")
    assert viewer_request("/a", "flag=&x=1") == Answer(301, "/a/?flag&x=1")


def test_percent_encoded_paths_fetch_the_decoded_key() -> None:
    bucket = FakeBucket(everything=True)
    _preview(bucket).respond("GET", "/media/harbour%20view.jpg")
    assert bucket.fetched == ["media/harbour view.jpg"]


def test_requests_that_are_not_a_path_are_refused() -> None:
    assert _preview(FakeBucket(everything=True)).respond("GET", "http://elsewhere.example/").status == 400
