"""Fixtures of the template tests: the SAM template as written, and as CloudFormation sees it after the transform."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


def load_template() -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml as written (intrinsics as dicts: {"Ref": ...}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...})."""
    return load_template()


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="session")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    """The template after the SAM transform, with code locations standing in for the built artifacts."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = copy.deepcopy(template)
    for res in sam["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = "s3://artifacts/code.zip"
        elif res["Type"] == "AWS::Serverless::LayerVersion":
            res["Properties"]["ContentUri"] = "s3://artifacts/layer.zip"
    # The session only supplies the region of the pseudo parameters; no AWS call is made.
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="none", aws_secret_access_key="none")
    translator = Translator({}, Parser(), boto_session=session)
    return translator.translate(sam, parameter_values={}, get_managed_policy_map=dict)


def sub_text(value: Any) -> str | None:
    """The format string of a `!Sub`, else None."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub if isinstance(sub, str) else sub[0])
    return None
