"""The project's SAM template made deployable into moto: what moto cannot host is taken out and listed."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Resource types moto's CloudFormation cannot host; the template tests check them instead.
LEFT_OUT_TYPES = ("AWS::CloudFront::",)
# SAM event types the local stack delivers itself (moto would try Docker and lose the records).
DELIVERED_EVENT_TYPES = ("SQS", "DynamoDB")


@dataclass
class EventMapping:
    """One event source mapping of a function, read from the template and delivered by the local stack."""

    function: str  # logical id
    kind: str  # "SQS" | "DynamoDB"
    source: str  # logical id of the queue or table
    properties: dict[str, Any]

    @property
    def batch_size(self) -> int:
        return int(self.properties.get("BatchSize", 10 if self.kind == "SQS" else 100))

    @property
    def max_retries(self) -> int:
        return int(self.properties.get("MaximumRetryAttempts", 3))

    @property
    def bisect(self) -> bool:
        return bool(self.properties.get("BisectBatchOnFunctionError", False))

    @property
    def filters(self) -> list[str]:
        return [f["Pattern"] for f in self.properties.get("FilterCriteria", {}).get("Filters", [])]

    @property
    def on_failure(self) -> str | None:
        dest = self.properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        return logical(dest)


@dataclass
class LocalTemplate:
    """The SAM template with the CDN left out and event mappings lifted out."""

    sam: dict[str, Any]
    left_out: dict[str, str] = field(default_factory=dict)  # logical id -> type
    mappings: list[EventMapping] = field(default_factory=list)
    functions: dict[str, Path] = field(default_factory=dict)  # logical id -> code folder
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical id -> properties


def logical(value: Any) -> str | None:
    """The logical id a `!Ref X` / `!GetAtt X.Attr` points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return None


def _references(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        target = logical(node)
        if target:
            found.add(target)
        if "Fn::Sub" in node:
            import re

            sub = node["Fn::Sub"]
            text = sub if isinstance(sub, str) else sub[0]
            found |= {m.split(".")[0] for m in re.findall(r"\$\{([A-Za-z0-9.:]+)\}", text)}
        for value in node.values():
            found |= _references(value)
    elif isinstance(node, list):
        for value in node:
            found |= _references(value)
    return found


def _blank_references(node: Any, removed: set[str]) -> Any:
    """Replace references to removed resources by an empty string (e.g. DISTRIBUTION_ID locally)."""
    if isinstance(node, dict):
        if logical(node) in removed:
            return ""
        if "Fn::Sub" in node and _references(node) & removed:
            return ""
        return {k: _blank_references(v, removed) for k, v in node.items()}
    if isinstance(node, list):
        return [_blank_references(v, removed) for v in node]
    return node


def prepare(template_path: Path) -> LocalTemplate:
    """Read the SAM template and shape it for moto."""
    from samtranslator.yaml_helper import yaml_parse

    root = template_path.parent
    sam = yaml_parse(template_path.read_text(encoding="utf-8"))
    sam = copy.deepcopy(sam)
    resources: dict[str, Any] = sam["Resources"]
    local = LocalTemplate(sam=sam)

    # 1. the CDN (and whatever exists only for it) is left out, transitively
    removed = {name for name, res in resources.items() if str(res.get("Type", "")).startswith(LEFT_OUT_TYPES)}
    changed = True
    while changed:
        changed = False
        for name, res in resources.items():
            if name in removed or res.get("Type") == "AWS::Serverless::Function":
                continue
            if _references(res.get("Properties", {})) & removed:
                removed.add(name)
                changed = True
    for name in sorted(removed):
        local.left_out[name] = resources.pop(name)["Type"]
    sam["Resources"] = _blank_references(resources, removed)
    resources = sam["Resources"]
    outputs = sam.get("Outputs", {})
    sam["Outputs"] = {k: v for k, v in outputs.items() if not (_references(v) & removed)}

    # 2. event source mappings are delivered by the local stack; functions run in-process from their folder
    for name, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.setdefault("Properties", {})
        local.functions[name] = root / str(props.get("CodeUri", "."))
        events = props.get("Events", {}) or {}
        for event_name in list(events):
            event = events[event_name]
            if event.get("Type") in DELIVERED_EVENT_TYPES:
                event_props = event.get("Properties", {})
                source = logical(event_props.get("Queue") or event_props.get("Stream"))
                local.mappings.append(EventMapping(name, event["Type"], str(source), event_props))
                del events[event_name]
        if not events:
            props.pop("Events", None)

    # 3. what moto's CloudFormation ignores on buckets is applied through the S3 API afterwards
    for name, res in resources.items():
        if res.get("Type") == "AWS::S3::Bucket":
            local.buckets[name] = res.get("Properties", {})
    return local


CODE_PLACEHOLDER = "pressroom-local-code-placeholder"  # the code bucket a translation is kept under


def cache_folder() -> Path:
    """Where local translations are kept: $XDG_CACHE_HOME/pressroom, or ~/.cache/pressroom."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pressroom" / "sam"


def translate(sam: dict[str, Any], region: str, code_bucket: str, *, cache: Path | None = None) -> dict[str, Any]:
    """The CloudFormation template SAM's translator makes of `sam`, its functions and layers pointed at
    s3://`code_bucket`/code.zip.

    A translation is kept on disk under the digest of the template, the region and the translator's version,
    since importing the translator costs about a third of a second of every local stack's start. A template
    that differs by one character, or another translator, is translated afresh; where the folder cannot be
    written, nothing is kept.
    """
    from importlib.metadata import version

    sam = copy.deepcopy(sam)
    location = f"s3://{CODE_PLACEHOLDER}/code.zip"
    for res in sam.get("Resources", {}).values():
        if res.get("Type") == "AWS::Serverless::Function":
            res.setdefault("Properties", {})["CodeUri"] = location
        elif res.get("Type") == "AWS::Serverless::LayerVersion":
            res.setdefault("Properties", {})["ContentUri"] = location
    source = json.dumps([sam, region, version("aws-sam-translator")], sort_keys=True, default=str)
    kept = (cache or cache_folder()) / f"{hashlib.sha256(source.encode()).hexdigest()}.json"
    try:
        text = kept.read_text(encoding="utf-8")
    except OSError:
        from samtranslator.translator.transform import transform

        class _Policies:
            def load(self) -> dict[str, str]:
                return {}

        text = json.dumps(transform(sam, {"AWS::Region": region}, _Policies()))
        with contextlib.suppress(OSError):
            kept.parent.mkdir(parents=True, exist_ok=True)
            partial = kept.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, kept)
    return json.loads(text.replace(json.dumps(CODE_PLACEHOLDER), json.dumps(code_bucket)))
