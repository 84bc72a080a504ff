"""`scrapy demoboard`: serve the bundled demo job board until Ctrl-C."""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse
    from types import FrameType

    from jobcrawl.demo.server import DemoBoard

MAX_ADS = 1_000_000


class Command(ScrapyCommand):
    """Serve generated job ads on HTTP, print the URL and the counts a crawl must produce.

    Needs no crawler (no reactor is started) and no project settings.
    """

    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--host HOST] [--port PORT] [--ads N] [--seed SEED]"

    def short_desc(self) -> str:
        return "Serve the bundled demo job board (generated ads) until Ctrl-C"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        group = parser.add_argument_group(title="Demo board options")
        group.add_argument("--host", default="127.0.0.1",
                           help="address to bind (default: %(default)s)")
        group.add_argument("--port", default="8765",
                           help="TCP port, 0 for any free port (default: %(default)s)")
        group.add_argument("--ads", default="300", help="number of ads (default: %(default)s)")
        group.add_argument("--seed", default="2013",
                           help="the same seed gives the same board (default: %(default)s)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        opts.port = _int_option("--port", opts.port, 0, 65535)
        opts.ads = _int_option("--ads", opts.ads, 1, MAX_ADS)
        opts.seed = _int_option("--seed", opts.seed, None, None)
        if not opts.host.strip():
            raise UsageError("--host must not be empty")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Imported here: Scrapy imports every command module for every command.
        from jobcrawl.demo.server import serve_forever

        # Stop cleanly on Ctrl-C and on `kill`, also when a shell started us as a
        # background job (which inherits SIGINT as ignored).
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _interrupt)
        try:
            serve_forever(opts.host, opts.port, opts.ads, opts.seed, on_ready=_announce)
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
        except OSError as exc:  # the port is taken, or the address is not ours
            print(f"cannot serve on {opts.host}:{opts.port}: {exc}", file=sys.stderr)
            self.exitcode = 1


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _int_option(name: str, value: str, low: int | None, high: int | None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{name} must be an integer, got {value!r}") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise UsageError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _announce(demo: DemoBoard) -> None:
    expected = demo.board.expected()
    print(f"Demo job board on {demo.url}/ ({len(demo.board.ads)} ads)")
    print(f"Crawl it with: scrapy crawl jobposting -a url={demo.url}/jobs")
    print("What a polite crawl of /jobs must produce:")
    width = max(len(key) for key in expected)
    for key, value in expected.items():
        if isinstance(value, dict):
            value = ", ".join(f"{name}={count}" for name, count in value.items())
        print(f"  {key:<{width}}  {value}")
    print("Serving; press Ctrl-C to stop.", flush=True)
