"""What CloudFront does with a request, as the template configures it: behaviours, functions, headers, errors."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DISTRIBUTION_TYPE = "AWS::CloudFront::Distribution"


@dataclass(frozen=True)
class Behaviour:
    """One cache behaviour: the paths it serves, its viewer functions and its response headers."""

    path_pattern: str  # "*" for the default behaviour
    viewer_request: bool = False
    viewer_response: bool = False
    headers: tuple[tuple[str, str], ...] = ()

    def matches(self, uri: str) -> bool:
        # CloudFront matches path patterns case-sensitively, with or without the leading slash
        return fnmatch.fnmatchcase(uri.lstrip("/"), self.path_pattern.lstrip("/"))


@dataclass(frozen=True)
class Cdn:
    """The distribution of template.yaml, reduced to what decides a response."""

    behaviours: tuple[Behaviour, ...]  # in CloudFront's order: path behaviours first, the default last
    error_pages: dict[int, tuple[int, str]] = field(default_factory=dict)  # origin status -> (status, page path)
    allowed_methods: frozenset[str] = frozenset({"GET", "HEAD"})

    def behaviour(self, uri: str) -> Behaviour:
        return next(b for b in self.behaviours if b.matches(uri))

    @classmethod
    def from_template(cls, path: Path) -> Cdn:
        """Read the distribution, its functions and its response headers policy from a SAM template."""
        from samtranslator.yaml_helper import yaml_parse

        resources: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))["Resources"]
        found = [r for r in resources.values() if r.get("Type") == DISTRIBUTION_TYPE]
        if len(found) != 1:
            raise ValueError(f"{path} must define exactly one {DISTRIBUTION_TYPE}, found {len(found)}")
        config = found[0]["Properties"]["DistributionConfig"]
        behaviours = [_behaviour(b, b["PathPattern"], resources) for b in config.get("CacheBehaviors", [])]
        default = config["DefaultCacheBehavior"]
        behaviours.append(_behaviour(default, "*", resources))
        errors = {int(e["ErrorCode"]): (int(e.get("ResponseCode", e["ErrorCode"])), str(e["ResponsePagePath"]))
                  for e in config.get("CustomErrorResponses", []) if e.get("ResponsePagePath")}
        return cls(tuple(behaviours), errors, frozenset(default.get("AllowedMethods", ["GET", "HEAD"])))


def _behaviour(config: dict[str, Any], pattern: str, resources: dict[str, Any]) -> Behaviour:
    events = {a.get("EventType") for a in config.get("FunctionAssociations", [])}
    policy = _logical_id(config.get("ResponseHeadersPolicyId"))
    headers = security_headers(resources[policy]["Properties"]["ResponseHeadersPolicyConfig"]) if policy else ()
    return Behaviour(pattern, "viewer-request" in events, "viewer-response" in events, headers)


def _logical_id(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return None


def security_headers(policy: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The HTTP headers a CloudFront response headers policy adds, in the form browsers receive them."""
    found: list[tuple[str, str]] = []
    security = policy.get("SecurityHeadersConfig", {})
    hsts = security.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={int(hsts['AccessControlMaxAgeSec'])}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        found.append(("Strict-Transport-Security", value))
    csp = security.get("ContentSecurityPolicy")
    if csp:
        found.append(("Content-Security-Policy", str(csp["ContentSecurityPolicy"])))
    if "ContentTypeOptions" in security:
        found.append(("X-Content-Type-Options", "nosniff"))
    frame = security.get("FrameOptions")
    if frame:
        found.append(("X-Frame-Options", str(frame["FrameOption"])))
    referrer = security.get("ReferrerPolicy")
    if referrer:
        found.append(("Referrer-Policy", str(referrer["ReferrerPolicy"])))
    xss = security.get("XSSProtection")
    if xss:
        value = "1" if xss.get("Protection") else "0"
        value += "; mode=block" if xss.get("ModeBlock") else ""
        value += f"; report={xss['ReportUri']}" if xss.get("ReportUri") else ""
        found.append(("X-XSS-Protection", value))
    for item in policy.get("CustomHeadersConfig", {}).get("Items", []):
        found.append((str(item["Header"]), str(item["Value"])))
    return tuple(found)


# --- the viewer functions of template.yaml, in Python ----------------------------------------------------
# The JavaScript runs at the edge; these follow it line by line. The template tests run the JavaScript, and
# tests/dev runs the preview, against the same table of URL cases (tests/template/url_cases.json).


@dataclass(frozen=True)
class Answer:
    """A response a viewer-request function gives without asking the origin."""

    status: int
    location: str = ""


def viewer_request(uri: str, query: str = "") -> Answer | str:
    """Clean URLs (ViewerRequestFunction): the path to fetch from the bucket, or a 400 / 301 answer."""
    if not uri.startswith("/") or "//" in uri or "\\" in uri or "/../" in uri or uri.endswith("/.."):
        return Answer(400)
    if uri.endswith("/"):
        return uri + "index.html"
    if "." in uri[uri.rfind("/") + 1 :]:
        return uri
    grouped: dict[str, list[str]] = {}  # CloudFront groups repeated names, in the order they first appear
    for item in filter(None, query.split("&")):
        name, _, value = item.partition("=")
        grouped.setdefault(name, []).append(value)
    parts = [name if value == "" else f"{name}={value}" for name, values in grouped.items() for value in values]
    return Answer(301, uri + "/" + ("?" + "&".join(parts) if parts else ""))


_UNSAFE_TARGET = re.compile(r"[\s\\]")


def viewer_response(status: int, metadata: dict[str, str]) -> Answer:
    """Redirects and tombstones (ViewerResponseFunction): what a viewer gets for an origin answer.

    A 200 whose metadata `location` is root-relative is a 301; otherwise a 200 whose metadata `status` is
    "410" (a deleted article's tombstone) is a 410 with the same body. Anything else stays as it is.
    """
    target = metadata.get("location", "")
    if status == 200:
        if target.startswith("/") and target[1:2] != "/" and not _UNSAFE_TARGET.search(target):
            return Answer(301, target)
        if metadata.get("status") == "410":  # storage.TOMBSTONE_META; the function reads it by name too
            return Answer(410)
    return Answer(status)
