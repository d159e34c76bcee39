"""``openclaw serve [--host H] [--port P]``: the HTTP service on uvicorn (see docs/service.md)."""

from __future__ import annotations

import argparse
import ipaddress
import sys

EXIT_OK = 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP service (incidents, Alertmanager webhook, approvals, /metrics)",
        description=(
            "Serve the OpenClaw API on uvicorn: POST /v1/incidents, POST /v1/alertmanager, GET /v1/runs[/ID], "
            "POST /v1/runs/ID/approvals|rejections, GET /healthz, /readyz, /metrics, /openapi.json. "
            "Set OPENCLAW_API_TOKEN to require 'Authorization: Bearer <token>'."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    p.add_argument("--config-dir", metavar="DIR", help="configs directory (default: OPENCLAW_CONFIG_DIR or shipped)")
    p.add_argument("--apply", action="store_true", help="apply mutations (default: server-side dry run)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context to use")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    p.set_defaults(handler=_serve)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from openclaw.errors import UsageError
    from openclaw.server import create_app
    from openclaw.settings import load_settings

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a TCP port (1..65535)")
    settings = load_settings(config_dir=args.config_dir, apply=args.apply, kube_context=args.context)
    if settings.server.api_token is None and not _is_loopback(args.host):
        print(f"openclaw: warning: serving on {args.host} without OPENCLAW_API_TOKEN: anyone who can reach it "
              "can submit incidents", file=sys.stderr)  # fmt: skip
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, proxy_headers=False)
    return EXIT_OK
