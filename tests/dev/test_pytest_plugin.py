"""The pytest plugin: a user's suite gets one local stack per session, emptied before each test."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = f'''
from datetime import UTC, datetime

import pytest

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pressroom_stack_options():
    return {{"root": {str(ROOT)!r}, "now": NOW}}
'''

# A user's own tests, as docs/theming.md shows them: a template checked through the real pipeline.
USER_TESTS = '''
from datetime import UTC, datetime

import boto3
from moto import mock_aws

from conftest import NOW


def article(title, **fields):
    lines = [f"title: {title}", "date: 2026-03-01"] + [f"{k}: {v}" for k, v in fields.items()]
    return "---\\n" + "\\n".join(lines) + "\\n---\\nThe body.\\n"


def test_the_article_page_names_the_author(pressroom_stack):
    pressroom_stack.upload("articles/ferry.md", article("Ferry", author="Marta Reis"))
    page = pressroom_stack.site_object("posts/ferry/index.html").decode()
    assert "<h1>Ferry</h1>" in page and "Marta Reis" in page


def test_each_test_starts_from_an_empty_stack(pressroom_stack):
    assert pressroom_stack.site_keys() == []
    assert pressroom_stack.report("articles/ferry.md") is None


def test_a_test_may_move_the_clock(pressroom_stack):
    pressroom_stack.set_time(datetime(2030, 1, 1, tzinfo=UTC))
    assert pressroom_stack.now().year == 2030


def test_the_next_test_has_the_sessions_clock_again(pressroom_stack):
    assert pressroom_stack.now() == NOW


@mock_aws
def test_a_users_own_moto_test_runs_beside_it():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="somebody-elses-bucket")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]].count("somebody-elses-bucket") == 1


def test_the_stack_still_publishes_afterwards(pressroom_stack):
    pressroom_stack.upload("articles/after.md", article("After"))
    assert pressroom_stack.report("articles/after.md")["status"] == "published"
'''


@pytest.mark.slow
def test_a_users_suite_shares_one_stack_reset_before_each_test(tmp_path: Path) -> None:
    # given
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_theme.py").write_text(USER_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    registered = any(ep.value == "pressroom.pytest_plugin" for ep in entry_points(group="pytest11"))
    if registered:
        plugin_args: list[str] = []  # found through the pytest11 entry point, as in a user's project
    else:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        plugin_args = ["-p", "pressroom.pytest_plugin"]

    # when
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin_args,
                          "--rootdir", str(tmp_path), str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)

    # then
    assert run.returncode == 0, run.stdout + run.stderr
    assert "6 passed" in run.stdout
