"""Run the demo news web in the foreground: python -m demo [--port N] [--start ISO]."""

from __future__ import annotations

import argparse
import signal
import time
from datetime import datetime

from demo.clock import DEFAULT_START, DemoClock
from demo.routes import CONTROL_PATH
from demo.server import DemoNewsServer


def _parse_start(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 timestamp: {text!r}") from error


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so a plain `kill` shuts the server down like Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo", description="Serve the fictional newswatch demo news web."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--start",
        type=_parse_start,
        default=DEFAULT_START,
        help=f"initial demo clock, ISO 8601 (default: {DEFAULT_START.isoformat()})",
    )
    args = parser.parse_args(argv)

    server = DemoNewsServer(DemoClock(args.start), host=args.host, port=args.port).start()
    print(f"Demo news web at {server.base_url}/ (clock: {server.clock.now().isoformat()})")
    for site in server.sites():
        print(f"  {site.name:<22} {site.front_url}  feed ({site.feed_kind}): {site.feed_url}")
    print(f"  junk feed:        {server.garbage_feed_url}")
    print(f"  unavailable feed: {server.error_feed_url}")
    print(f"Move the clock: curl -X POST '{server.base_url}{CONTROL_PATH}?advance_hours=24'")
    print("Press Ctrl-C to stop.", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
