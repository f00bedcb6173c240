"""The local stack's translation of the SAM template, kept on disk between starts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pressroom.local import REGION
from pressroom.local.template import CODE_PLACEHOLDER, prepare, translate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _region(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # what the translator's session reads, as in a stack


def _sam() -> dict:
    return prepare(ROOT / "template.yaml").sam


def _code_locations(translated: dict) -> set[str]:
    found = set()
    for res in translated["Resources"].values():
        code = res.get("Properties", {}).get("Code") or res.get("Properties", {}).get("Content") or {}
        if "S3Bucket" in code:
            found.add(code["S3Bucket"])
    return found


def test_a_kept_translation_is_the_fresh_one_with_the_stack_s_code_bucket(tmp_path: Path) -> None:
    # given: a first start translates and keeps the translation
    first = translate(_sam(), REGION, "code-one", cache=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1

    # when: a second start, with a code bucket of its own, reads it
    second = translate(_sam(), REGION, "code-two", cache=tmp_path)

    # then: the same template, pointed at each stack's own bucket
    assert _code_locations(first) == {"code-one"} and _code_locations(second) == {"code-two"}
    assert json.dumps(first).replace("code-one", "code-two") == json.dumps(second)
    assert CODE_PLACEHOLDER not in json.dumps(second)
    assert translate(_sam(), REGION, "code-two", cache=tmp_path / "fresh") == second


def test_a_changed_template_is_translated_afresh(tmp_path: Path) -> None:
    sam = _sam()
    translate(sam, REGION, "code", cache=tmp_path)
    sam["Resources"]["RenderFunction"]["Properties"]["MemorySize"] = 2048
    changed = translate(sam, REGION, "code", cache=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 2
    assert changed["Resources"]["RenderFunction"]["Properties"]["MemorySize"] == 2048


def test_a_translation_is_made_where_nothing_can_be_kept(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    translated = translate(_sam(), REGION, "code", cache=blocked / "sam")
    assert _code_locations(translated) == {"code"}
    assert not os.path.isdir(blocked)
