"""The `pressroom` command line: build, check, preview and operate a site."""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

WORKER_PRELOAD = "pressroom.publish.batch"  # what the fork server of a build's worker processes imports
# and, for `build`, what rendering loads (Jinja, Babel's dates, the sanitizer): once in the fork server rather
# than once in each worker it forks
RENDER_PRELOAD = ("jinja2", "babel.dates", "nh3")


def _prepare_workers(command: str) -> None:
    """`build` and `check` read a large folder in worker processes forked by a fork server that first imports
    the batch core (about a tenth of a second). It is started before this process imports the command line,
    so that the two imports overlap. And the command's main module is the console script, whose only line
    imports this package: named as a package's __main__, it is not run again in each worker as a script's
    main module is (multiprocessing leaves those alone)."""
    import multiprocessing

    main_module = sys.modules.get("__main__")
    if main_module is not None and getattr(main_module, "__spec__", None) is None:
        from importlib.machinery import ModuleSpec

        main_module.__spec__ = ModuleSpec("pressroom.__main__", None)
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        preload = [WORKER_PRELOAD, *(RENDER_PRELOAD if command == "build" else ())]
        multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
        try:
            forkserver.ensure_running()
        except OSError:  # started again when the workers are (or they are replaced by this process)
            pass


def _run_as_the_command() -> bool:
    """Whether this process is the `pressroom` command (its console script), not a program importing it."""
    import os

    main_module = sys.modules.get("__main__")
    main_file = getattr(main_module, "__file__", None)
    if not (main_file and getattr(main_module, "__spec__", None) is None and sys.argv
            and os.path.basename(main_file).startswith("pressroom")
            and os.path.abspath(main_file) == os.path.abspath(sys.argv[0])):
        return False
    # and the interpreter was started on the script itself, not on a program that runs it in its own
    # process and carries on after it (`python -m pdb pressroom ...`, a profiler, `runpy.run_path`)
    launched = list(getattr(sys, "orig_argv", ()))
    if len(launched) <= len(sys.argv):
        return False
    started = launched[: len(launched) - len(sys.argv)]
    script = launched[len(started)]
    return (os.path.abspath(script) == os.path.abspath(sys.argv[0]) and launched[len(started) + 1:] == sys.argv[1:]
            and not any(flag in ("-m", "-c") for flag in started[1:]))


RUN_AS_COMMAND = __name__ == "pressroom.cli" and _run_as_the_command()
if RUN_AS_COMMAND and sys.argv[1:2] in (["build"], ["check"]):
    _prepare_workers(sys.argv[1])

import click  # noqa: E402

from pressroom import collect_less  # noqa: E402

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def finish(code: int) -> NoReturn:
    """End a command that has said and written everything with exit status `code`.

    Run as the `pressroom` command, the process ends once its exit handlers have run (they remove the worker
    processes' temporary files), without the interpreter's teardown: freeing, one by one, every object a large
    build made takes a twentieth of a second of a 2,000-article build, and nothing is left to do with them.
    Called from a program (a test's CliRunner), it is `sys.exit(code)`."""
    if RUN_AS_COMMAND:
        import atexit
        import os

        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: the command was started with that descriptor closed
                    stream.flush()
        except (OSError, ValueError):  # a closed pipe: the interpreter's own exit reports it as it always does
            sys.exit(code)
        atexit._run_exitfuncs()
        os._exit(code)
    sys.exit(code)


# Each module below adds its commands to `main`; a new command is a new module in this list.
COMMAND_MODULES = ("init", "build", "check", "dev", "ops")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pressroom")
def main() -> None:
    """Pressroom: a serverless publishing system for newsrooms."""
    collect_less()


for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"pressroom.cli.{_name}")
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name != f"pressroom.cli.{_name}":
            raise


if __name__ == "__main__":  # pragma: no cover
    main()
