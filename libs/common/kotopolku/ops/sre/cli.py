"""``kotopolku-sre status``: health, version, migration level and outbox backlog of every service.

Exit status: 0 when every service is live, ready, on the current schema and its outboxes drain;
1 when something needs attention (listed under the table); 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from kotopolku.ops.sre import report
from kotopolku.ops.sre.probe import ServiceReport, probe_all, probe_gateway
from kotopolku.ops.sre.targets import (
    TargetError,
    assertion_source,
    default_environment,
    parse_targets,
    targets_from_environment,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kotopolku-sre", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="status of every service")
    status.add_argument(
        "--address",
        action="append",
        default=[],
        metavar="NAME=HOST:PORT",
        help="a gRPC service to ask (repeatable); default: every KOTOPOLKU_<NAME>_ADDRESS",
    )
    status.add_argument("--gateway-url", help="also check the gateway, e.g. http://127.0.0.1:8000")
    status.add_argument("--key-file", type=Path, help="private key to sign the status request")
    status.add_argument(
        "--as",
        dest="role",
        choices=("auto", "service", "admin"),
        default="auto",
        help="service: the key is the services' key; admin: the gateway's key (default: auto)",
    )
    status.add_argument("--timeout", type=float, default=3.0, help="seconds per call")
    status.add_argument(
        "--max-outbox-age",
        type=float,
        default=300.0,
        help="report an outbox whose oldest row is older than this many seconds",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


async def collect(args: argparse.Namespace, environ: Mapping[str, str]) -> list[ServiceReport]:
    targets = parse_targets(args.address) or targets_from_environment(environ)
    if not targets and not args.gateway_url:
        raise TargetError("no services: pass --address NAME=HOST:PORT or set KOTOPOLKU_*_ADDRESS")
    reports = []
    if targets:
        assertion = assertion_source(args.key_file, args.role, environ)
        reports = await probe_all(targets, assertion, args.timeout)
    if args.gateway_url:
        reports.insert(0, await probe_gateway(args.gateway_url, args.timeout))
    return reports


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        reports = asyncio.run(collect(args, environ or default_environment()))
    except TargetError as error:
        print(f"kotopolku-sre: {error}", file=sys.stderr)
        return 2
    render = report.as_json if args.json else report.table
    print(render(reports, args.max_outbox_age))
    return 1 if any(r.problems(args.max_outbox_age) for r in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
