"""A real browser against `pressroom dev`: pages render, Recent Posts stay current, no errors, no CSP violations."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import article
from tests.dev.running import DevProcess, pressroom_dev

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "site"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOT = ROOT / "docs" / "screenshot-article.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 20_000

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed "
                               "(pip install -e '.[test]')")
if not CHROMIUM.is_file():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; `make tools` does it where it can)",
                allow_module_level=True)

# Collects what the page reports about Content-Security-Policy, before any of its own scripts run.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevProcess, Path]]:
    folder = tmp_path_factory.mktemp("e2e") / "site"
    shutil.copytree(EXAMPLE, folder)
    with pressroom_dev(folder) as process:
        yield process, folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        yield chromium
        chromium.close()


class Tab:
    """A browser page that records console errors, uncaught exceptions and CSP violations."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(CSP_WATCH)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.errors: list[dict[str, Any]] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append({"text": m.text, **m.location}))
        self.page.on("pageerror", lambda e: self.errors.append({"text": str(e), "url": ""}))

    def problems(self) -> list[str]:
        """Console errors and CSP violations, without the browser's own favicon probe on a site without an icon."""
        has_icon = self.page.evaluate("!!document.querySelector('link[rel~=icon]')")
        found = [e["text"] for e in self.errors
                 if has_icon or not str(e.get("url", "")).endswith("/favicon.ico")]
        violations = self.page.evaluate("window.__cspViolations")
        assert isinstance(violations, list), "the CSP watch did not run in the page"
        return found + [f"CSP: {v}" for v in violations]


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    opened = Tab(browser)
    yield opened
    opened.context.close()


def _recent(url: str) -> list[str]:
    with urllib.request.urlopen(url + "recent.json", timeout=10) as response:
        return [p["title"] for p in json.loads(response.read())["posts"]]


def test_home_and_article_render_without_errors(dev: tuple[DevProcess, Path], tab: Tab) -> None:
    # given
    process, _ = dev
    page = tab.page

    # when
    response = page.goto(process.preview_url)

    # then
    assert response is not None and response.status == 200
    assert "Harbour Town Gazette" in page.title()
    assert page.locator("main a[href='/posts/ferry-timetable/']").count() >= 1

    # when the reader opens an article
    page.locator("main a[href='/posts/ferry-timetable/']").first.click()
    page.wait_for_url("**/posts/ferry-timetable/")

    # then
    assert page.locator("h1").inner_text() == "New ferry timetable adds a late crossing on Fridays"
    assert page.locator("article table").count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline"
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)
    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / "article.png", DOCS_SCREENSHOT)
    assert tab.problems() == []


def test_recent_posts_on_an_older_article_are_current_after_a_later_upload(
        dev: tuple[DevProcess, Path], tab: Tab) -> None:
    # given: an older article, and a newer one published after it was rendered
    process, folder = dev
    older = process.preview_url + "posts/market-hall/"
    (folder / "articles" / "regatta.md").write_bytes(article("Regatta returns to the harbour", "2026-03-20"))
    deadline = time.monotonic() + 30
    while "Regatta returns to the harbour" not in _recent(process.preview_url):
        assert time.monotonic() < deadline, "the new article never reached recent.json"
        time.sleep(0.2)
    with urllib.request.urlopen(older, timeout=10) as response:
        assert b"Regatta returns" not in response.read()  # the page's own snapshot predates the upload

    # when
    tab.page.goto(older)

    # then: the theme's script has refreshed the list from /recent.json
    # (locators wait without eval, which the site's CSP rightly forbids)
    tab.page.locator("#recent-posts a", has_text="Regatta returns to the harbour").wait_for()
    first = tab.page.locator("#recent-posts li a").first
    assert first.inner_text() == "Regatta returns to the harbour"
    assert first.get_attribute("href") == "/posts/regatta/"
    assert tab.problems() == []


def test_an_open_page_reloads_when_its_article_changes(dev: tuple[DevProcess, Path], tab: Tab) -> None:
    # given
    process, folder = dev
    tab.page.goto(process.preview_url + "posts/market-hall/")
    tab.page.evaluate("window.__notReloaded = true")

    # when the author saves a new version
    path = folder / "articles" / "market-hall.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Market hall reopens", "Market hall reopens at last", 1),
                    encoding="utf-8")

    # then the open page shows it by itself
    tab.page.locator("h1", has_text="Market hall reopens at last").wait_for()
    assert tab.page.evaluate("window.__notReloaded === undefined")
    assert tab.problems() == []


def test_a_missing_url_shows_the_404_page_with_status_404(dev: tuple[DevProcess, Path], tab: Tab) -> None:
    process, _ = dev
    response = tab.page.goto(process.preview_url + "posts/no-such-article/")
    assert response is not None and response.status == 404
    assert tab.page.locator("h1").inner_text() == "Page not found"
    assert "content-security-policy" in response.headers  # Playwright gives header names in lower case
    resource_errors = [e for e in tab.errors if "404" in e["text"] and "/posts/no-such-article/" in e.get("url", "")]
    assert len(resource_errors) <= 1  # the browser notes the 404 of the page itself; nothing else may fail
    tab.errors = [e for e in tab.errors if e not in resource_errors]
    assert tab.problems() == []


@pytest.fixture(scope="module")
def dev_az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevProcess, Path]]:
    """The example site as an Azerbaijani newsroom would run it, with one story in Azerbaijani."""
    folder = tmp_path_factory.mktemp("e2e-az") / "site"
    shutil.copytree(EXAMPLE, folder)
    settings = folder / "site.yaml"
    text = settings.read_text().replace("language: en", "language: az")
    settings.write_text(text.replace("timezone: Europe/Lisbon", "timezone: Asia/Baku"))
    (folder / "articles" / "qarabağda bərpa işləri.md").write_bytes(article(
        "Qarabağda bərpa işləri davam edir", "2026-03-09", tags=["Mədəniyyət"],
        body="Şuşada yeni məktəb binası tikilir."))
    with pressroom_dev(folder) as process:
        yield process, folder


def test_an_azerbaijani_site_reads_azerbaijani_at_its_transliterated_urls(
        dev_az: tuple[DevProcess, Path], tab: Tab) -> None:
    # given
    process, _ = dev_az
    page = tab.page

    # when: the reader opens the home page, then the Azerbaijani story from it
    response = page.goto(process.preview_url)
    assert response is not None and response.status == 200
    assert page.locator("main h1").inner_text() == "Son xəbərlər"
    page.locator("main a[href='/posts/qarabagda-berpa-isleri/']").first.click()
    page.wait_for_url("**/posts/qarabagda-berpa-isleri/")

    # then: the story, its date and the theme in Azerbaijani, and its tag at a readable URL
    assert page.locator("h1").inner_text() == "Qarabağda bərpa işləri davam edir"
    assert page.locator(".meta time").inner_text() == "9 mart 2026"
    assert page.locator("#about-heading").inner_text() == "Haqqımızda"
    assert page.locator("#recent-heading").inner_text() == "Son yazılar"
    assert page.locator(".tags a[href='/tags/medeniyyet/']").inner_text() == "Mədəniyyət"
    assert page.evaluate("document.documentElement.lang") == "az"
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article-az.png"), full_page=True)
    assert tab.problems() == []

    # when: the tag's page
    page.goto(process.preview_url + "tags/medeniyyet/")
    assert page.locator("main h1").inner_text() == "“Mədəniyyət” teqi"
