"""``openclaw serve [--host H] [--port P]``: the HTTP service on uvicorn (see docs/service.md).

Startup failures keep the exit-code contract, one readable line on stderr: before uvicorn
starts, the engine is opened once (configs, run store, checkpoints, providers, cluster
client) — a bad config exits 2, an unusable ``OPENCLAW_HOME`` exits 1 — and the port is
bound here and handed to uvicorn, so a port in use exits 1 instead of uvicorn's exit 3.

``--workers N`` (N > 1) serves from N processes on the one state store: the parent binds the port and
supervises; each worker builds the app from :func:`openclaw.server.app.create_app_from_env` (the
flags travel in ``OPENCLAW_SERVE_ARGS``). ``--workers 1``, the default, is one process as before.

On SIGTERM the service refuses new incidents at once (503 with Retry-After), uvicorn stops
listening and lets open requests finish, and runs in flight get ``shutdown_grace_s`` to get
on; the rest keep their last checkpoint and are recovered at the next start.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import json
import os
import socket
import sys

EXIT_OK = 0
MAX_WORKERS = 64


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP service (incidents, Alertmanager webhook, approvals, /metrics)",
        description=(
            "Serve the OpenClaw API on uvicorn: POST /v1/incidents, POST /v1/alertmanager, GET /v1/runs[/ID[/pending]], "
            "POST /v1/runs/ID/approvals|rejections, GET /healthz, /readyz, /metrics, /openapi.json. "
            "Set OPENCLAW_API_TOKEN to require 'Authorization: Bearer <token>'."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    p.add_argument("--config-dir", metavar="DIR", help="configs directory (default: OPENCLAW_CONFIG_DIR or shipped)")
    p.add_argument("--apply", action="store_true", help="apply mutations (default: server-side dry run)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context to use")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes serving the one OPENCLAW_HOME (default 1; more use more cores)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    p.set_defaults(handler=_serve, reads_config=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from openclaw.errors import OpenClawError, UsageError
    from openclaw.server import create_app
    from openclaw.settings import load_settings

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a TCP port (1..65535)")
    if not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers {args.workers} must be within 1..{MAX_WORKERS}")
    settings = load_settings(config_dir=args.config_dir, apply=args.apply, kube_context=args.context)
    if settings.server.api_token is None and not _is_loopback(args.host):
        print(f"openclaw: warning: serving on {args.host} without OPENCLAW_API_TOKEN: anyone who can reach it "
              "can submit incidents", file=sys.stderr)  # fmt: skip
    asyncio.run(_preflight(settings))
    sock = _bind(args.host, args.port)
    if args.workers > 1:
        return _serve_workers(args, sock)
    app = create_app(settings)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            # SIGTERM/SIGINT: refuse new incidents at once (503 + Retry-After), then uvicorn stops listening,
            # lets open requests finish, and the lifespan gives runs in flight shutdown_grace_s.
            service = getattr(app.state, "service", None)
            if service is not None:
                service.stop_accepting()
            super().handle_exit(sig, frame)  # type: ignore[arg-type]

    server = Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                   proxy_headers=False))
    scheme_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"openclaw: serving on http://{scheme_host}:{args.port} (Ctrl-C to stop); "
          f"approvals page: http://{scheme_host}:{args.port}/ui/", file=sys.stderr)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:  # uvicorn exits on some startup failures after logging them
        if exc.code not in (None, 0):
            raise OpenClawError(f"the HTTP service on {args.host}:{args.port} stopped during startup "
                                f"(uvicorn exit {exc.code}; see the log above)") from None
    finally:
        sock.close()
    if not server.started:
        raise OpenClawError(f"the HTTP service on {args.host}:{args.port} did not start; see the log above")
    return EXIT_OK


def _serve_workers(args: argparse.Namespace, sock: socket.socket) -> int:
    """``--workers N``: N worker processes, each building the app by :data:`openclaw.server.app.APP_FACTORY`
    and listening on its own ``SO_REUSEPORT`` socket, so the kernel spreads new connections across them;
    SIGTERM reaches every worker, which refuses new incidents and drains as one process does."""
    import uvicorn

    from openclaw.server.app import APP_FACTORY, SERVE_ARGS_ENV

    sock.close()  # the port was free: the workers' sockets take it over together
    sockets = [_bind(args.host, args.port, reuse_port=True) for _ in range(args.workers)]
    config_dir = os.path.abspath(args.config_dir) if args.config_dir else None
    os.environ[SERVE_ARGS_ENV] = json.dumps({"config_dir": config_dir, "apply": args.apply,
                                             "kube_context": args.context})
    config = uvicorn.Config(APP_FACTORY, factory=True, host=args.host, port=args.port, workers=args.workers,
                            log_level=args.log_level, proxy_headers=False)
    scheme_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"openclaw: serving on http://{scheme_host}:{args.port} with {args.workers} worker processes "
          f"(Ctrl-C to stop); approvals page: http://{scheme_host}:{args.port}/ui/", file=sys.stderr)
    supervisor = _workers_supervisor()(config, sockets)
    try:
        supervisor.run()
    except KeyboardInterrupt:
        pass
    finally:
        for each in sockets:
            each.close()
    from uvicorn.config import STARTUP_FAILURE

    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        from openclaw.errors import OpenClawError

        raise OpenClawError(f"a worker of the HTTP service on {args.host}:{args.port} failed to start; "
                            "see the log above")
    return EXIT_OK


def _workers_supervisor() -> type:
    """uvicorn's supervisor (health checks, restarts, signals), giving each worker its own listening socket.

    With one shared socket the worker that wakes first accepts a whole burst of connections, and
    keep-alive clients then stay on it. A worker that dies is replaced on its socket; workers added
    with SIGTTIN or replaced by SIGHUP share the first socket."""
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors.multiprocess import Multiprocess, Process

    class Workers(Multiprocess):
        def __init__(self, config: object, sockets: list[socket.socket]) -> None:
            super().__init__(config, sockets=sockets[:1])  # type: ignore[arg-type]
            self.own_sockets = sockets

        def init_processes(self) -> None:
            for each in self.own_sockets:
                process = Process(self.config, [each])
                process.start()
                self.processes.append(process)

        def keep_subprocess_alive(self) -> None:
            if self.should_exit.is_set():
                return
            for idx, process in enumerate(self.processes):
                if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                    continue
                process.kill()
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    self.should_exit.set()  # the app cannot start: restarting would fail the same way
                    return
                if self.should_exit.is_set():
                    return
                replacement = Process(self.config, [self.own_sockets[idx % len(self.own_sockets)]])
                replacement.start()
                self.processes[idx] = replacement

    return Workers


async def _preflight(settings: object) -> None:
    """Open (and close) the engine the app's lifespan will open: configs, stores, providers, cluster client.

    OpenClaw errors pass through (ConfigError: exit 2; StoreError: exit 1, a database that does not
    answer or whose schema is behind); other OS failures become a StoreError naming OPENCLAW_HOME."""
    from openclaw.errors import StoreError
    from openclaw.wiring import open_engine

    try:
        async with open_engine(settings):  # type: ignore[arg-type]
            pass
    except OSError as exc:
        home = getattr(settings, "home", "?")
        raise StoreError(f"cannot use the state directory {home}: {exc}; check OPENCLAW_HOME") from exc


def _bind(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening-ready socket on host:port (as uvicorn binds it); OpenClawError in one line when it cannot.
    ``reuse_port``: ``SO_REUSEPORT``, one such socket per worker on the same port."""
    from openclaw.errors import OpenClawError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        hint = "; is another server using it? pick one with --port" if exc.errno == errno.EADDRINUSE else ""
        raise OpenClawError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None
    sock.set_inheritable(True)
    return sock
