"""`pressroom build`: a content folder in, a static site out, exit codes that say what happened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pressroom.cli import main
from tests.conftest import article

ROOT = Path(__file__).resolve().parents[2]


def _content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "site.yaml").write_text("name: Test Times\nabout: A test paper.\n")
    (content / "articles" / "one.md").write_bytes(article("Story one", "2026-01-05"))
    (content / "articles" / "two.txt").write_text("Story two\n\nJanuary 6, 2026: It happened.\n")
    return content


def test_build_exports_a_site_and_exits_zero(tmp_path: Path, monkeypatch) -> None:
    # given
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    out = tmp_path / "out"

    # when
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(out), "--now", "2026-02-01T00:00:00Z"])

    # then
    assert result.exit_code == 0, result.output
    home = (out / "index.html").read_text()
    assert "Test Times" in home and "Story one" in home and "Story two" in home
    assert (out / "posts" / "two" / "index.html").is_file()
    assert json.loads((out / "recent.json").read_text())["posts"][0]["title"] == "Story two"
    assert str(out.resolve()) in result.output


def test_build_names_rejected_files_and_exits_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (content / "articles" / "bad.md").write_text("---\ndate: 2026-01-01\n---\nNo title here.\n")

    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out")])

    assert result.exit_code == 1
    assert "articles/bad.md" in result.output and "title" in result.output
    assert (tmp_path / "out" / "posts" / "one" / "index.html").is_file()


_SAYS = """
import sys
from pressroom.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("rich loaded" if "rich" in sys.modules else "rich not loaded")
"""


@pytest.mark.parametrize("terminal", [False, True], ids=["plain", "rich"])
def test_build_says_the_same_in_plain_text_off_a_terminal_without_loading_rich(tmp_path: Path,
                                                                              terminal: bool) -> None:
    import os
    import subprocess
    import sys

    # given: a folder with a rejected article, and an --out holding a file no build wrote (its name in brackets)
    content = _content(tmp_path)
    (content / "articles" / "bad.md").write_text("---\ndate: 2026-01-01\n---\nNo title here.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "[notes].txt").write_text("mine")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    if terminal:
        env["FORCE_COLOR"] = "1"  # rich's output, as a terminal gets it

    # when: built with its standard error in a pipe
    done = subprocess.run([sys.executable, "-c", _SAYS, "build", str(content), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)

    # then: the rejection, the foreign file (its name as it is) and the summary are said either way; off a
    # terminal as plain lines, and rich is not loaded
    said = done.stderr
    assert "rejected articles/bad.md" in said.replace("\x1b[31m", "").replace("\x1b[0m", "")
    assert "\n  [notes].txt" in said and "articles published" in said
    if terminal:
        assert "rich loaded" in done.stdout and "│" in said
    else:
        assert "rich not loaded" in done.stdout and "\x1b" not in said and "│" not in said
        assert "pressroom build:\n  articles published  2\n  rejected            1\n" in said


def test_a_folder_in_out_where_a_page_goes_is_a_usage_error_and_nothing_is_written(tmp_path: Path) -> None:
    from pressroom.publish import batch

    # given: a folder large enough for workers, and a folder in --out where one article's page file goes
    content = _many(tmp_path, batch.IN_PROCESS_BELOW + 10)
    out = tmp_path / "out"
    (out / "posts" / "many-0" / "index.html").mkdir(parents=True)

    # when
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(out)])

    # then: a usage error naming it, and no file written
    assert result.exit_code == 2 and "is a folder where the site writes the file posts/many-0/index.html" in result.output
    assert not any(path.is_file() for path in out.rglob("*"))


def test_build_usage_errors_exit_two(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(tmp_path / "missing"), "--out", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["build", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["build", str(tmp_path), "--out", "x", "--now", "yesterday"]).exit_code == 2


def test_build_is_deterministic(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(main, ["build", str(content), "--out", str(tmp_path / name), "--now", "2026-02-01T00:00:00Z"])
        assert result.exit_code == 0, result.output
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_build_uses_a_theme_folder_over_the_default_theme(tmp_path: Path, monkeypatch) -> None:
    # given: a theme that replaces one template and one static file
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Lost at sea</h1>{% endblock %}')
    (theme / "static" / "style.css").write_text("body { color: navy; }\n")

    # when
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(out), "--theme", str(theme)])

    # then
    assert result.exit_code == 0, result.output
    assert "Lost at sea" in (out / "404.html").read_text()
    styles = list((out / "assets").glob("style.*.css"))
    assert [p.read_text() for p in styles] == ["body { color: navy; }\n"]
    assert "Story one" in (out / "posts" / "one" / "index.html").read_text()


def test_build_of_a_folder_that_is_not_a_content_folder_exits_two_and_names_the_right_one(tmp_path: Path) -> None:
    # given: the user names the articles folder instead of the content folder
    content = _content(tmp_path)

    # when
    result = CliRunner().invoke(main, ["build", str(content / "articles"), "--out", str(tmp_path / "out")])

    # then
    assert result.exit_code == 2
    assert "neither site.yaml nor articles/" in result.output and str(content) in result.output
    assert not (tmp_path / "out").exists()


def test_build_names_the_files_it_does_not_publish(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (content / "notes.md").write_text("---\ntitle: Not an article\n---\nBody.\n")
    (content / "articles" / "later.md").write_bytes(article("Later", "2027-01-01"))

    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out"),
                                       "--now", "2026-02-01T00:00:00Z"])

    assert result.exit_code == 0, result.output
    assert "ignored notes.md" in result.output and "site.yaml, articles/ and media/" in result.output
    assert not (tmp_path / "out" / "posts" / "later").exists()


def test_build_refuses_an_out_folder_inside_the_content_folder(tmp_path: Path) -> None:
    content = _content(tmp_path)
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(content / "articles" / "www")])
    assert result.exit_code == 2 and "inside the content folder" in result.output
    assert not (content / "articles" / "www").exists()


def test_a_held_article_makes_build_exit_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (content / "articles" / "zz.md").write_bytes(article("Twin", "2026-01-05", slug="one"))
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "held articles/zz.md" in result.output


def test_a_refused_site_yaml_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (content / "site.yaml").write_text("name: Test Times\ntimezone: Europe/Lisbn\n")
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "timezone" in result.output and "Nothing written" in result.output
    assert not (tmp_path / "out").exists()


def test_stale_pages_are_named_and_removed_with_clean(tmp_path: Path, monkeypatch) -> None:
    # given: a site built, then an article removed
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(content), "--out", str(out)]).exit_code == 0
    (content / "articles" / "one.md").unlink()

    # when / then: a plain build says what it left; --clean removes it, and the folder it leaves empty
    result = runner.invoke(main, ["build", str(content), "--out", str(out)])
    assert "written by an earlier build and not by this one" in result.output
    assert "\n  posts/one/index.html\n" in result.output  # each named, on a line of its own
    assert (out / "posts" / "one" / "index.html").exists()
    result = runner.invoke(main, ["build", str(content), "--out", str(out), "--clean"])
    assert result.exit_code == 0 and not (out / "posts" / "one").exists()
    assert (out / "posts" / "two" / "index.html").exists()


def test_clean_removes_only_what_an_earlier_build_wrote(tmp_path: Path, monkeypatch) -> None:
    # given: a folder that is a git checkout with a README and a CNAME, and holds the content folder itself
    monkeypatch.chdir(ROOT)
    out = tmp_path / "pages"
    (out / ".git" / "objects").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / "README.md").write_text("The site's repository.\n")
    (out / "CNAME").write_text("news.example.az\n")
    content = _content(out)
    (out / "content" / "articles" / "three.md").write_bytes(article("Story three", "2026-01-07"))
    runner = CliRunner()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    # when: built twice into it with --clean, an article removed in between
    assert runner.invoke(main, ["build", str(content), "--out", str(out), "--clean"]).exit_code == 0
    (content / "articles" / "one.md").unlink()
    del before[content / "articles" / "one.md"]
    result = runner.invoke(main, ["build", str(content), "--out", str(out), "--clean"])

    # then: only the removed article's page went; every file no build wrote is as it was, and is named
    assert result.exit_code == 0, result.output
    assert not (out / "posts" / "one").exists() and (out / "posts" / "three" / "index.html").exists()
    assert {p: p.read_bytes() for p in before} == before
    assert "were not written by a build that recorded them" in result.output


def test_a_manifest_naming_files_outside_the_folder_removes_nothing_there(tmp_path: Path, monkeypatch) -> None:
    from pressroom.publish import batch

    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    out = tmp_path / "out"
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me\n")
    out.mkdir()
    (out / batch.MANIFEST).write_text(f"../precious.txt\n{outside}\nposts/../../precious.txt\n")

    result = CliRunner().invoke(main, ["build", str(content), "--out", str(out), "--clean"])

    assert result.exit_code == 0 and outside.read_text() == "keep me\n"


def test_a_broken_theme_is_a_usage_error_naming_the_template(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    (tmp_path / "theme" / "templates" / "article.html").write_text("{% if %}\n")
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out"),
                                       "--theme", str(tmp_path / "theme")])
    assert result.exit_code == 2 and "article.html" in result.output and "Traceback" not in result.output


def test_a_theme_naming_what_the_site_does_not_have_is_named_with_its_template_line(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    (tmp_path / "theme" / "templates" / "list.html").write_text('{% extends "base.html" %}\n'
                                                               "{% block main %}\n{{ no_such_thing }}\n{% endblock %}\n")
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out"),
                                       "--theme", str(tmp_path / "theme")])
    assert result.exit_code == 2, result.output
    assert "list.html:3: 'no_such_thing' is undefined" in " ".join(result.output.split())


def test_a_theme_expression_that_fails_is_named_with_its_template_line(tmp_path: Path, monkeypatch) -> None:
    # given: an article template whose expression raises a Python error (not a Jinja one)
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    (tmp_path / "theme" / "templates" / "article.html").write_text("{{ article.title }}\n{{ 1 / 0 }}\n")

    # when
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out"),
                                       "--theme", str(tmp_path / "theme")])

    # then: a usage error naming the template line and the error, no traceback, nothing written
    assert result.exit_code == 2, result.output
    assert "article.html:2: ZeroDivisionError: division by zero" in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_file_deleted_while_the_folder_is_read_is_left_out(tmp_path: Path, monkeypatch) -> None:
    from pressroom.publish import batch

    content = _content(tmp_path)
    real = batch.scan

    def scan_then_delete(root: Path) -> batch.Folder:
        found = real(root)
        (content / "articles" / "one.md").unlink()
        return found

    monkeypatch.setattr(batch, "scan", scan_then_delete)
    built = batch.build_folder(content)
    assert "articles/one.md" not in built.verdicts and "posts/one/index.html" not in built.site_pages.keys()
    assert "posts/two/index.html" in built.site_pages.keys()


def test_reading_falls_back_to_this_process_when_workers_cannot_start(tmp_path: Path, monkeypatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from pressroom.publish import batch

    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise BrokenProcessPool("no workers here")

    content = _content(tmp_path)
    for i in range(batch.IN_PROCESS_BELOW):
        (content / "articles" / f"many-{i}.md").write_bytes(article(f"Many {i}", "2026-01-07"))
    monkeypatch.setattr(batch, "ProcessPoolExecutor", Broken)
    built = batch.build_folder(content)
    assert built.count(batch.Status.PUBLISHED) == batch.IN_PROCESS_BELOW + 3  # the articles, and site.yaml


def _many(tmp_path: Path, count: int) -> Path:
    content = _content(tmp_path)
    for i in range(count):
        (content / "articles" / f"many-{i}.md").write_bytes(article(f"Many {i}", f"2026-01-{7 + i % 20:02d}"))
    return content


def _same_build(one: object, other: object) -> None:
    assert one.verdicts.keys() == other.verdicts.keys()  # type: ignore[attr-defined]
    for key, verdict in one.verdicts.items():  # type: ignore[attr-defined]
        theirs = other.verdicts[key]  # type: ignore[attr-defined]
        assert (verdict.status, verdict.url, verdict.problems) == (theirs.status, theirs.url, theirs.problems)
    pages, their_pages = one.site_pages, other.site_pages  # type: ignore[attr-defined]
    assert sorted(pages.keys()) == sorted(their_pages.keys())
    assert all(pages.body(key) == their_pages.body(key) for key in pages.keys())


def test_a_build_made_aside_in_its_own_process_is_the_build_made_in_place(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pressroom.publish import batch

    # given: a folder large enough for a process of its own
    content = _many(tmp_path, batch.IN_PROCESS_BELOW)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    seen: list[tuple[str, int, int]] = []

    # when
    aside = batch.build_aside(content, now=now, progress=lambda *update: seen.append(update))

    # then: the same verdicts and pages, and the progress of its reading and rendering reached this process
    _same_build(aside.result(timeout=120), batch.build_folder(content, now=now))
    total = batch.IN_PROCESS_BELOW + 2
    assert ("reading", total, total) in seen and ("rendering", total, total) in seen


def test_a_small_folder_is_built_aside_in_this_process(tmp_path: Path, monkeypatch) -> None:
    from datetime import UTC, datetime

    from pressroom.publish import batch

    content = _content(tmp_path)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    monkeypatch.setattr(batch, "_process_context", lambda: pytest.fail("a process started for two articles"))
    _same_build(batch.build_aside(content, now=now).result(timeout=60), batch.build_folder(content, now=now))


def test_a_build_aside_falls_back_to_this_process_and_passes_on_its_failure(tmp_path: Path, monkeypatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from pressroom.publish import batch

    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise BrokenProcessPool("no processes here")

    # given: no process can be started
    monkeypatch.setattr(batch, "ProcessPoolExecutor", Broken)

    # then: a large folder is built all the same
    built = batch.build_aside(_many(tmp_path / "large", batch.IN_PROCESS_BELOW)).result(timeout=120)
    assert built.count(batch.Status.PUBLISHED) == batch.IN_PROCESS_BELOW + 3

    # and: what the build raises is raised by the future
    with pytest.raises(batch.EmptyFolder):
        batch.build_aside(tmp_path / "not-content").result(timeout=60)


def test_a_build_rendered_in_workers_is_the_build_rendered_in_this_process(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pressroom.publish import batch

    # given: a folder large enough for worker processes
    content = _many(tmp_path, batch.IN_PROCESS_BELOW + 10)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    seen: list[tuple[str, int, int]] = []

    # when: it is read and rendered by two workers, and by this process alone
    in_workers = batch.build_folder(content, now=now, workers=2, progress=lambda *update: seen.append(update))
    here = batch.build_folder(content, now=now, workers=1)

    # then: the same verdicts and the same bytes in every page, and the rendering's progress counted to the end
    _same_build(in_workers, here)
    total = batch.IN_PROCESS_BELOW + 12
    assert ("reading", total, total) in seen and ("rendering", total, total) in seen


def test_the_pages_a_worker_fails_to_render_are_rendered_here(tmp_path: Path) -> None:
    from concurrent.futures import Future
    from datetime import UTC, datetime

    from pressroom.publish import batch

    class Failing:
        """Workers that read every article and whose every render fails (a process that died, say)."""

        count = 2
        build = "a build"
        go = None

        def __init__(self, keys: list[str]) -> None:
            self.held = {key: n % 2 for n, key in enumerate(keys)}

        def executors(self) -> list[Failing]:
            return [self, self]

        def submit(self, *_: object) -> Future:
            failed: Future = Future()
            failed.set_exception(RuntimeError("the worker died"))
            return failed

    content = _many(tmp_path, batch.IN_PROCESS_BELOW + 10)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    built = batch.build_folder(content, now=now, workers=1, render_pages=False)
    out = batch.MemorySite()
    batch._render(out, built.plans, built.site, None, None, Failing(list(built.plans)))  # type: ignore[arg-type]
    assert out.pages == batch.build_folder(content, now=now, workers=1).site_pages.pages


class _Pool:
    """Two stand-in workers for `_render`: one holds the articles of even position, the other none; each task
    is kept, and run in this process when `run` is set (else it never begins)."""

    count = 2
    build = "a build"

    def __init__(self, keys: list[str], *, run: bool) -> None:
        self.held = {key: 0 for key in keys[::2]}
        self.run = run
        self.tasks: list[tuple[str, object]] = []
        self.waited = 0  # results asked of tasks that never begin

    def executors(self) -> list[_Pool]:
        return [self, self]

    def submit(self, function, job):  # noqa: ANN001, ANN201
        from concurrent.futures import Future

        pool = self

        class NeverBegun(Future):
            def result(self, timeout: float | None = None) -> object:
                pool.waited += 1
                raise RuntimeError("this task never begins")

        self.tasks.append((function.__name__, job))
        if not self.run:
            return NeverBegun()
        future: Future = Future()
        future.set_result(function(job))
        return future

    def answer(self, _worker: int, future):  # noqa: ANN001, ANN201
        return future.result()


def _die_halfway_through_answering() -> str:
    """A worker's task that is killed while it sends its answer: half of the message is in the pipe."""
    import os
    import signal
    import struct
    from multiprocessing import connection

    def send_half(self: connection.Connection, buffer: bytes) -> None:
        message = bytes(buffer)
        os.write(self.fileno(), struct.pack("!i", len(message)) + message[: len(message) // 2])
        os.kill(os.getpid(), signal.SIGKILL)

    connection.Connection._send_bytes = send_half  # type: ignore[method-assign]
    return "an answer that never arrives whole " * 100


def test_a_worker_killed_while_it_answers_fails_its_task_and_the_build_does_not_hang() -> None:
    import threading
    from concurrent.futures import wait
    from concurrent.futures.process import BrokenProcessPool

    from pressroom.publish import batch

    # given: two workers, the first of which is killed halfway through sending an answer
    pool = batch.Workers(2)
    executors = pool.executors()
    if executors is None:
        pytest.skip("no worker processes can be started here")
    outcome: list[object] = []
    dying = executors[0].submit(_die_halfway_through_answering)
    queued = executors[0].submit(batch._ready)  # behind the task whose answer never comes whole

    def ask() -> None:
        try:
            outcome.append(pool.answer(0, dying))
        except BrokenProcessPool:
            outcome.append(BrokenProcessPool)

    # when: its answer is awaited, then the other worker is asked, then the workers are closed
    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(60)
    wait([queued], timeout=60)
    other = pool.answer(1, executors[1].submit(batch._ready))
    closing = threading.Thread(target=pool.close, daemon=True)
    closing.start()
    closing.join(60)

    # then: the task fails as a broken worker (its work is then done in the main process), the other worker
    # answers, and nothing waits for ever
    assert not asking.is_alive() and outcome == [BrokenProcessPool]
    assert queued.done() and isinstance(queued.exception(), BrokenProcessPool)  # its executor was woken
    assert isinstance(other, int) and not closing.is_alive()


def _held_by_stand_in(built: object, pool: _Pool) -> None:
    from pressroom.publish import batch

    batch._working_for(pool.build)
    batch._held.update({key: built.plans[key].article for key in pool.held})  # type: ignore[attr-defined]


@pytest.mark.parametrize("run", [True, False], ids=["workers render", "no task begins"])
def test_the_pages_are_the_same_whichever_process_renders_each(tmp_path: Path, run: bool) -> None:
    from datetime import UTC, datetime

    from pressroom.publish import batch

    # given: a folder read half by a worker, half by this process
    content = _many(tmp_path, batch.IN_PROCESS_BELOW * 3)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    built = batch.build_folder(content, now=now, workers=1, render_pages=False)
    pool = _Pool(sorted(built.plans), run=run)
    _held_by_stand_in(built, pool)

    # when: rendered into a folder with workers that render what they are given, or that never begin a task
    site = tmp_path / "site"
    batch._render(batch.MemorySite(), built.plans, built.site, None, None, pool, out_dir=site)  # type: ignore[arg-type]
    batch._working_for("")

    # then: the workers were given the articles they read and those read here; and every file is the page
    # rendered here alone (tasks no worker began were taken back and rendered here)
    given = {name for name, _ in pool.tasks}
    assert {"_render_held", "_render_given"} <= given and pool.waited == 0
    alone = batch.build_folder(content, now=now, workers=1).site_pages
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()) == sorted(alone.keys())
    assert all((site / key).read_bytes() == alone.body(key) for key in alone.keys())


def test_the_build_workers_collect_garbage_as_seldom_as_the_command(tmp_path: Path) -> None:
    import gc

    import pressroom
    from pressroom.publish import batch

    with batch.Workers(2) as workers:
        executors = workers.executors()
        assert executors is not None and len(executors) == 2
        for executor in executors:
            assert tuple(executor.submit(gc.get_threshold).result(timeout=60)) == pressroom.COLLECT_AFTER


def test_a_site_is_written_alike_by_this_thread_and_by_the_writer_threads(tmp_path: Path, monkeypatch) -> None:
    # given: a site of more files than the creations timed before choosing
    from pressroom import render
    from pressroom.publish import batch

    site = batch.MemorySite()
    for n in range(batch.TRIAL * 3):
        site.put(render.Page(f"posts/story-{n}/index.html", f"<p>{n}</p>".encode(), render.HTML))
    site.put(render.Page("index.html", b"home", render.HTML))

    # when: written where creating is found fast, then where it is found slow
    fast = site.write(tmp_path / "fast")
    monkeypatch.setattr(batch, "SLOW_CREATE_S", 0.0)
    slow = site.write(tmp_path / "slow")

    # then: the same files with the same bytes
    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert len(fast) == len(slow) == batch.TRIAL * 3 + 1
    assert tree(tmp_path / "fast") == tree(tmp_path / "slow") == {k: site.body(k) for k in site.keys()}


def test_article_pages_written_as_they_are_rendered_make_the_same_folder(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pressroom.publish import batch

    # given: a folder large enough for worker processes
    content = _many(tmp_path, batch.IN_PROCESS_BELOW + 10)
    now = datetime(2026, 2, 1, tzinfo=UTC)

    # when: built with its article pages written out as they come, then the rest; and built in memory, then written
    streamed = batch.build_folder(content, now=now, workers=2, out_dir=tmp_path / "streamed")
    early = {p.relative_to(tmp_path / "streamed").as_posix() for p in (tmp_path / "streamed").rglob("*.html")}
    written = streamed.site_pages.write(tmp_path / "streamed")
    whole = batch.build_folder(content, now=now, workers=2)
    whole.site_pages.write(tmp_path / "whole")

    # then: the article pages were there before the final write, which names every file; both folders are alike
    assert {k for k in early if k.startswith("posts/")} == {k for k in whole.site_pages.keys() if k.startswith("posts/")}
    assert len(written) == len(whole.site_pages.keys())

    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(tmp_path / "streamed") == tree(tmp_path / "whole")


def test_a_page_deleted_after_it_was_written_out_leaves_no_file(tmp_path: Path) -> None:
    from pressroom import render
    from pressroom.publish import batch

    site = batch.MemorySite()
    site.put(render.Page("posts/a/index.html", b"a", render.HTML))
    site.put(render.Page("posts/b/index.html", b"b", render.HTML))
    site.write(tmp_path, ["posts/a/index.html", "posts/b/index.html"])

    site.delete("posts/a/index.html")
    site.put(render.Page("posts/b/index.html", b"b, changed", render.HTML))
    site.write(tmp_path)

    assert not (tmp_path / "posts/a/index.html").exists()
    assert (tmp_path / "posts/b/index.html").read_bytes() == b"b, changed"


def _read_by_started_workers(tmp_path: Path, workers: Any) -> dict[str, Any]:
    """A folder of several chunks read by workers started beforehand (each then reads some), and decided."""
    from datetime import UTC, datetime

    from pressroom.publish import batch

    content = _many(tmp_path, batch.CHUNK * 6)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    jobs = [(f"articles/many-{i}.md", str(content / "articles" / f"many-{i}.md"), batch.Site(), now, 10**6)
            for i in range(batch.CHUNK * 6)]
    workers.start()
    workers._starting.join()
    judged = batch.read_all(jobs, pool=workers)
    return batch.plans_for({key: reading for key, (reading, _) in judged.items()}, now)


def test_a_worker_renders_and_writes_the_pages_of_the_articles_it_read(tmp_path: Path) -> None:
    from pressroom.publish import batch

    # given: workers already started, and a folder of several chunks
    out = batch.MemorySite()
    with batch.Workers(2) as workers:
        # when: the folder is read, decided and rendered with them, into a folder
        plans = _read_by_started_workers(tmp_path, workers)
        batch._render(out, plans, batch.Site(), None, None, workers, out_dir=tmp_path / "site")
        held = dict(workers.held)

    # then: each worker rendered and wrote the pages of the articles it read; this process holds them as files
    assert set(held.values()) == {0, 1}
    assert {f"posts/many-{key[len('articles/many-'):-3]}/index.html" for key in held} <= set(out.files)
    alone = batch.MemorySite()
    batch._render(alone, plans, batch.Site(), None, None)
    assert {key: out.body(key) for key in out.keys()} == {key: alone.body(key) for key in alone.keys()}


@pytest.mark.parametrize(("template", "text"), [
    ("list.html", "{{ not_a_variable }}"),
    # only the last article's page fails: the workers have rendered the others by then
    ("article.html", '{{ article.title }}{% if article.title == "Many 383" %}{{ not_a_variable }}{% endif %}'),
])
def test_a_build_whose_theme_fails_writes_no_page_the_workers_rendered(tmp_path: Path, template: str,
                                                                     text: str) -> None:
    import jinja2

    from pressroom.publish import batch

    # given: workers that read a folder of several chunks, and a theme whose listing or article template fails
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / template).write_text(text)
    out = tmp_path / "site"
    with batch.Workers(2) as workers:
        plans = _read_by_started_workers(tmp_path, workers)
        assert set(workers.held.values()) == {0, 1}

        # when: the site is rendered into a folder
        with pytest.raises(jinja2.UndefinedError):
            batch._render(batch.MemorySite(), plans, batch.Site(), str(theme), None, workers, out_dir=out)

    # then: no page was written (a rebuild keeps the site it had)
    assert not out.exists() or not any(path.is_file() for path in out.rglob("*"))


def test_a_worker_warmed_on_a_failing_theme_leaves_the_failure_to_the_rendering(tmp_path: Path) -> None:
    import jinja2

    from pressroom.publish import batch

    # given: a folder large enough for workers, and a theme whose article template fails on every page
    content = _many(tmp_path, batch.IN_PROCESS_BELOW + 10)
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "article.html").write_text("{{ not_a_variable }}")

    # when: built (each worker renders one page ahead, while the build decides)
    with pytest.raises(jinja2.UndefinedError):
        batch.build_folder(content, theme_dir=str(theme), workers=2, out_dir=tmp_path / "site")

    # then: the error is the rendering's, and nothing was written
    assert not (tmp_path / "site").exists() or not any(p.is_file() for p in (tmp_path / "site").rglob("*"))


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
def test_plans_begun_while_reading_are_the_plans_of_the_whole_folder(order: str) -> None:
    import random
    from datetime import UTC, datetime

    from pressroom.publish import batch
    from pressroom.publish.core import read_upload

    # given: readings of a folder with a slug claimed twice, aliases at posts' URLs and elsewhere, a draft,
    # a scheduled article and a rejected one
    now = datetime(2026, 3, 10, tzinfo=UTC)
    files = {
        "articles/a.md": article("Same story", slug="same"),
        "articles/b.md": article("Same story again", slug="same"),
        "articles/c.md": article("Points at a", aliases=["/posts/same/", "/old/c.html"]),
        "articles/d.md": article("Old name", aliases=["/posts/points-at-a/"]),
        "articles/e.md": article("Draft", draft=True),
        "articles/f.md": article("Later", date="2027-01-01"),
        "articles/g.md": b"---\ntitle: [unclosed\n---\nbody\n",
        **{f"articles/n{i}.md": article(f"Story {i}") for i in range(20)},
    }
    readings = {key: read_upload(key, data, batch.Site(), now=now) for key, data in files.items()}
    keys = sorted(readings)
    if order == "reversed":
        keys.reverse()
    elif order == "shuffled":
        random.Random(7).shuffle(keys)

    # when: each reading is given to the planner as it comes, in that order
    planner = batch.Planner(now)
    for key in keys:
        planner.add(readings[key])
    plans = planner.plans(readings)

    # then: the plans are those decided once everything is read, in key order
    whole = batch.plans_for(readings, now)
    assert list(plans) == list(whole) == sorted(readings)
    assert plans == whole
    assert plans["articles/b.md"].status.value == "held" and plans["articles/c.md"].problems


@pytest.mark.parametrize("many", [False, True])
def test_a_file_where_the_site_needs_a_folder_stops_the_build_before_it_writes(tmp_path: Path, monkeypatch,
                                                                            many: bool) -> None:
    # given: an article with an alias at /CNAME (CNAME/index.html), and a CNAME file in the folder built into
    monkeypatch.chdir(ROOT)
    content = _many(tmp_path, 70) if many else _content(tmp_path)
    (content / "articles" / "zz.md").write_bytes(article("Moved here", aliases=["/CNAME"]))
    out = tmp_path / "site"
    out.mkdir()
    (out / "CNAME").write_text("news.example.org\n")

    # when
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(out)])

    # then: a usage error naming the file, and nothing written (workers or not)
    assert result.exit_code == 2, result.output
    assert "CNAME is a file where the site needs a folder (for CNAME/index.html)" in result.output
    assert [p.name for p in out.iterdir()] == ["CNAME"]


def test_a_site_whose_file_is_the_folder_of_another_is_not_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (content / "articles" / "zz.md").write_bytes(article("Odd", aliases=["/posts/one/index.html/"]))
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "site")])
    assert result.exit_code == 2, result.output
    assert "both the file posts/one/index.html and files in a folder of that name" in result.output
    assert not (tmp_path / "site").exists()


def test_workers_are_as_many_as_the_open_file_limit_leaves_room_for(monkeypatch) -> None:
    import resource

    from pressroom.publish import batch

    monkeypatch.setattr(resource, "getrlimit", lambda _: (64 + 3 * batch.FILES_PER_WORKER, 1 << 20))
    assert batch.Workers(16).count == 3


def test_the_command_builds_a_large_folder_with_workers_that_do_not_run_it_again(tmp_path: Path) -> None:
    import subprocess
    import sys

    from pressroom.cli import WORKER_PRELOAD, _run_as_the_command
    from pressroom.publish import batch

    # given: the `pressroom` command itself (its console script), and a folder read by workers
    command = Path(sys.executable).parent / "pressroom"
    if not command.exists():
        pytest.skip("the pressroom command is not installed beside this interpreter")
    content = _many(tmp_path, batch.IN_PROCESS_BELOW * 8)
    out = tmp_path / "out"

    # when
    done = subprocess.run([str(command), "build", str(content), "--out", str(out), "--now", "2026-02-01T00:00:00Z"],
                          capture_output=True, text=True, timeout=300, check=False)

    # then: the site is built; the fork server it starts early imports what the workers' own imports name
    assert done.returncode == 0, done.stderr
    assert len(list((out / "posts").iterdir())) == batch.IN_PROCESS_BELOW * 8 + 2
    assert WORKER_PRELOAD == batch.__name__
    assert not _run_as_the_command()  # imported by the test runner, the command line starts no fork server


# put on the command's path: says whether its exit handlers ran, and whether its interpreter was torn down
# (module globals are cleared then, and the object below is freed)
_WATCH = """
import atexit, os, sys
class _Teardown:
    def __del__(self, _open=open, _path=os.environ["WATCH_TEARDOWN"]):
        _open(_path, "a").write("torn down\\n")
if os.environ.get("WATCH_TEARDOWN") and sys.argv[0].endswith("pressroom"):  # the command, not its workers
    _kept = _Teardown()
    atexit.register(lambda: open(os.environ["WATCH_TEARDOWN"], "a").write("exit handlers ran\\n"))
"""


@pytest.mark.parametrize("command_name", ["build", "check"])
def test_the_command_ends_after_its_exit_handlers_without_the_interpreters_teardown(tmp_path: Path,
                                                                                   command_name: str) -> None:
    import os
    import subprocess
    import sys

    from pressroom.publish import batch

    # given: the `pressroom` command itself, a folder read by workers with one rejected article, a temporary
    # folder of its own, and a watch on how its interpreter ends
    command = Path(sys.executable).parent / "pressroom"
    if not command.exists():
        pytest.skip("the pressroom command is not installed beside this interpreter")
    content = _many(tmp_path, batch.IN_PROCESS_BELOW * 2)
    (content / "articles" / "bad.md").write_text("---\ndate: 2026-01-01\n---\nNo title here.\n")
    (tmp_path / "watch").mkdir()
    (tmp_path / "watch" / "sitecustomize.py").write_text(_WATCH)
    temporary, log = tmp_path / "tmp", tmp_path / "ended.txt"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary), "WATCH_TEARDOWN": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "watch"), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "out"
    argv = [str(command), command_name, str(content), "--now", "2026-02-01T00:00:00Z"]
    if command_name == "build":
        argv += ["--out", str(out)]

    # when: its output goes to pipes
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)

    # then: exit status 1 for the rejection, everything said, the site and its manifest written; the exit
    # handlers ran (the worker processes' temporary folder is gone), the teardown was skipped
    assert done.returncode == 1, done.stderr
    assert "articles/bad.md" in done.stdout + done.stderr
    if command_name == "build":
        assert "articles published  " in done.stderr and "Site written to" in done.stdout
        assert len(list((out / "posts").iterdir())) == batch.IN_PROCESS_BELOW * 2 + 2
        assert (out / batch.MANIFEST).is_file()
    else:
        assert f"{batch.IN_PROCESS_BELOW * 2 + 3} of {batch.IN_PROCESS_BELOW * 2 + 4} files pass" in done.stderr
    assert log.read_text() == "exit handlers ran\n"
    assert list(temporary.iterdir()) == []


@pytest.mark.parametrize("command_name", ["build", "check"])
@pytest.mark.parametrize("closed", [1, 2], ids=["stdout", "stderr"])
def test_the_command_started_with_an_output_closed_ends_as_it_would_otherwise(tmp_path: Path, closed: int,
                                                                              command_name: str) -> None:
    import os
    import subprocess
    import sys

    # given: the `pressroom` command started with its standard output or its standard error closed
    command = Path(sys.executable).parent / "pressroom"
    if not command.exists():
        pytest.skip("the pressroom command is not installed beside this interpreter")
    content = _content(tmp_path)
    out = tmp_path / "out"
    if command_name == "build":
        argv = [str(command), "build", str(content), "--out", str(out)]
    else:
        argv = [str(command), "check", *(["--json"] if closed == 2 else []), str(content)]

    # when
    done = subprocess.run(argv, capture_output=True, timeout=120, check=False,
                          preexec_fn=lambda: os.close(closed))  # noqa: PLW1509 - no threads here

    # then: every file passes, so exit status 0, with the site written; what the other stream says is whole
    assert done.returncode == 0, done.stderr
    if command_name == "build":
        assert (out / "posts" / "two" / "index.html").is_file() and (out / ".pressroom-files").is_file()
        assert (b"Site written to" in done.stdout) if closed == 2 else (b"articles published  2" in done.stderr)
    elif closed == 2:
        assert json.loads(done.stdout)["ok"] is True
    else:
        assert b"3 of 3 files pass" in done.stderr


_WRAPPED = """
import runpy, sys
sys.argv = [sys.argv[1], "check", sys.argv[2]]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as done:
    print("the program carried on after the command's exit", done.code)
"""


def test_a_program_that_runs_the_command_in_its_own_process_gets_control_back(tmp_path: Path) -> None:
    import subprocess
    import sys

    # given: a program that runs the `pressroom` script itself (as a debugger or a profiler does)
    command = Path(sys.executable).parent / "pressroom"
    if not command.exists():
        pytest.skip("the pressroom command is not installed beside this interpreter")
    content = _content(tmp_path)

    # when
    done = subprocess.run([sys.executable, "-c", _WRAPPED, str(command), str(content)], capture_output=True,
                          text=True, timeout=120, check=False)

    # then: the command ends with SystemExit, which the program catches and carries on from
    assert "the program carried on after the command's exit 0" in done.stdout, done.stderr


_READ_AND_RENDER = """
import sys
from datetime import UTC, datetime
from pressroom.publish import batch
from pressroom import render
before = set(sys.modules)
reading, _ = batch._read_file(("articles/a.md", sys.argv[1], batch.Site(), datetime(2026, 2, 1, tzinfo=UTC), 10**6))
render.article_page(render.load_theme(None), batch.Site(), reading.article, [])
new = {name.split(".")[0] for name in set(sys.modules) - before}
print(" ".join(sorted(name for name in new if name not in sys.stdlib_module_names and not name.startswith("_"))))
"""


def test_the_fork_server_of_a_build_imports_what_its_workers_would_import_to_read_and_render(tmp_path: Path) -> None:
    import subprocess
    import sys

    from pressroom.cli import RENDER_PRELOAD

    # given: an article with plain front matter (no YAML loader needed), read and rendered in a fresh interpreter
    # that has imported the batch core
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: Story\ndate: 2026-01-05\ntags: [port]\n---\nBody text of the article.\n")
    done = subprocess.run([sys.executable, "-c", _READ_AND_RENDER, str(path)], capture_output=True, text=True,
                          timeout=120, check=True)

    # then: the packages that loads beyond the batch core are those a build's fork server imports first
    assert set(done.stdout.split()) == {name.split(".")[0] for name in RENDER_PRELOAD}


def test_a_theme_folder_with_no_theme_in_it_is_a_usage_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    content = _content(tmp_path)
    (tmp_path / "theme" / "template").mkdir(parents=True)  # a typo for templates/
    result = CliRunner().invoke(main, ["build", str(content), "--out", str(tmp_path / "out"),
                                       "--theme", str(tmp_path / "theme")])
    assert result.exit_code == 2 and "neither templates/ nor static/" in result.output
    assert not (tmp_path / "out").exists()
