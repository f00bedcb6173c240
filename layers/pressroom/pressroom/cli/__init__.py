"""The `pressroom` command line: build, check, preview and operate a site."""

from __future__ import annotations

import importlib

import click

from pressroom import collect_less

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2

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
