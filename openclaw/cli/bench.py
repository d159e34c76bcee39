"""``openclaw bench toolcalls|pipeline|fallback|serve|alerts|startup|storm``: figures, printed; never pass/fail on timings."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from openclaw.providers.vendors import VENDORS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks: tool-call accuracy, engine overhead")
    verbs = p.add_subparsers(dest="bench_command", metavar="BENCH", required=True)

    tc = verbs.add_parser("toolcalls", help="tool-calling accuracy and p50/p95 latency per provider")
    tc.add_argument("--cases", metavar="FILE",
                    help="cases (YAML or JSON; fields: id, description, prompt, expected_tool, "
                         "expected_params, also_accept); default: the 8 cases TC001–TC008")
    tc.add_argument("--provider", metavar="NAME", action="append", required=True,
                    help=f"provider to measure ({', '.join([*VENDORS, 'rules'])}); repeat for a side-by-side table")
    tc.add_argument("--model", metavar="MODEL", help="model to ask (default: the provider's tool-calling model)")
    tc.add_argument("--json", action="store_true", help="one JSON object per provider")
    tc.add_argument("--config-dir", metavar="DIR")
    tc.set_defaults(handler=_toolcalls, reads_config=True)

    pl = verbs.add_parser("pipeline", help="engine overhead vs a bare LangGraph graph (medians per incident)")
    pl.add_argument("--incidents", type=int, default=200, help="incidents to push through (default 200)")
    pl.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                    help="sqlite (default): openclaw vs a bare LangGraph graph; postgres: the same incidents "
                         "through the engine on SQLite and on a throwaway PostgreSQL database, alternating")
    pl.add_argument("--database-url", metavar="URL",
                    help="with --store postgres: a server where a throwaway database may be created "
                         "(default: OPENCLAW_BENCH_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres)")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(handler=_pipeline)

    _register_fallback(verbs)
    _register_serve(verbs)
    _register_alerts(verbs)
    _register_startup(verbs)
    _register_storm(verbs)


def _toolcalls(args: argparse.Namespace) -> int:
    from openclaw.bench.toolcalls import DEFAULT_CASES, load_cases, run_bench
    from openclaw.config.routing import PROVIDERS
    from openclaw.config import load_configs
    from openclaw.errors import UsageError
    from openclaw.settings import load_settings
    from openclaw.wiring import build_registry, default_model

    settings = load_settings(config_dir=args.config_dir)
    cases = load_cases(args.cases or DEFAULT_CASES)
    configs = load_configs(settings.config_dir)
    registry = build_registry(settings)
    names = [n.strip() for arg in args.provider for n in arg.split(",") if n.strip()]

    async def go() -> list[dict]:
        reports = []
        try:
            # Resolve every provider before the first request: a missing key fails at once, not after
            # spending the other providers' requests.
            for name in names:
                if name not in PROVIDERS:
                    raise UsageError(f"unknown provider {name!r}; choose from {', '.join(PROVIDERS)}")
            resolved = [(n, registry.get(n), args.model or default_model(settings, configs, n)) for n in names]
            for name, provider, model in resolved:
                reports.append(await run_bench(name, provider, model, cases, timeout_s=configs.routing.attempt_timeout_s))
        finally:
            await registry.aclose()
        return reports

    from openclaw.errors import ProviderUnavailable

    try:
        reports = asyncio.run(go())
    except ProviderUnavailable as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        for report in reports:
            sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"tool-calling accuracy ({len(cases)} cases)")
    for col in ("provider", "model", "correct", "accuracy", "p50 ms", "p95 ms"):
        table.add_column(col)
    for r in reports:
        table.add_row(r["provider"], r["model"], f"{r['correct']}/{r['total']}", f"{r['accuracy'] * 100:.1f}%",
                      f"{r['latency_ms']['p50']:.1f}", f"{r['latency_ms']['p95']:.1f}")
    console.print(table)
    for r in reports:
        for res in r["results"]:
            if not res["ok"]:
                got = res["tool_calls"][0] if res["tool_calls"] else None
                console.print(f"  ✗ {r['provider']} {res['id']}: got {got} {res['error'] or ''}")
    return 0


def _pipeline(args: argparse.Namespace) -> int:
    from openclaw.bench.pipeline import run_bench
    from openclaw.errors import UsageError

    if args.incidents < 1:
        raise UsageError("--incidents must be at least 1")
    from openclaw.cli.progress import progress

    if args.database_url and args.store != "postgres":
        raise UsageError("--database-url goes with --store postgres")
    if args.store == "postgres":
        return _pipeline_stores(args)
    with progress("bench pipeline", args.incidents + 10, as_json=args.json) as advance:  # 10: run_bench's warm-up
        report = asyncio.run(run_bench(args.incidents, warmup=10, on_progress=advance))
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        print(f"incidents: {report['incidents']}")
        print(f"openclaw:  {report['openclaw_ms']:.2f} ms median per incident (p95 {report['openclaw_p95_ms']:.2f})")
        print(f"baseline:  {report['baseline_ms']:.2f} ms median per incident (p95 {report['baseline_p95_ms']:.2f}), "
              "the bare graph on LangGraph's stock SQLite saver")
        print(f"ratio:     {report['ratio']} (target {report['target_ratio']})")
        print(f"same saver: {report['same_saver_ms']:.2f} ms median per incident (p95 {report['same_saver_p95_ms']:.2f}), "
              f"the bare graph on OpenClaw's SQLite checkpointer: ratio {report['ratio_same_saver']}")
    return 0


def _pipeline_stores(args: argparse.Namespace) -> int:
    from openclaw.bench.database import bench_database_url
    from openclaw.bench.pipeline import run_store_bench
    from openclaw.cli.progress import progress
    from openclaw.storage import redacted

    base = bench_database_url(args.database_url)
    with progress("bench pipeline --store postgres", args.incidents + 10, as_json=args.json) as advance:
        report = asyncio.run(run_store_bench(args.incidents, warmup=10, database_url=base, on_progress=advance))
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    print(f"incidents: {report['incidents']} through the engine on each store, alternating "
          f"(PostgreSQL: a throwaway database on {redacted(base)})")
    print(f"sqlite:    {report['sqlite_ms']:.2f} ms median per incident (p95 {report['sqlite_p95_ms']:.2f})")
    print(f"postgres:  {report['postgres_ms']:.2f} ms median per incident (p95 {report['postgres_p95_ms']:.2f})")
    print(f"ratio:     postgres / sqlite = {report['ratio']} (target {report['target_ratio']})")
    return 0


# --- bench fallback (openclaw/bench/fallback.py) ----------------------------------------


def _register_fallback(verbs: argparse._SubParsersAction) -> None:
    fb = verbs.add_parser("fallback", help="decision latency p50/p99 under injected faults: naive retry, fallback, hedging")
    fb.add_argument("--requests", type=int, default=100, help="decisions per strategy (default 100)")
    fb.add_argument("--fault-rate", type=float, default=0.2, help="fraction of primary requests that stall or get 429 (default 0.2)")
    fb.add_argument("--attempt-timeout-ms", type=int, default=300, help="per-attempt timeout (default 300)")
    fb.add_argument("--stall-ms", type=int, default=1000, help="how long a stalled request hangs (default 1000)")
    fb.add_argument("--retry-after-s", type=float, default=1.0, help="Retry-After of the simulated 429s (default 1.0)")
    fb.add_argument("--hedge-after-ms", type=int, default=100, help="start the next provider after this long (default 100)")
    fb.add_argument("--concurrency", type=int, default=10, help="decisions in flight at once (default 10)")
    fb.add_argument("--seed", type=int, default=7)
    fb.add_argument("--json", action="store_true", help="one JSON object")
    fb.set_defaults(handler=_fallback)


def _fallback(args: argparse.Namespace) -> int:
    from openclaw.bench.fallback import STRATEGIES, FallbackBenchConfig, run_bench
    from openclaw.errors import UsageError

    if args.requests < 1 or args.concurrency < 1 or not 0 <= args.fault_rate <= 1:
        raise UsageError("--requests and --concurrency must be at least 1, --fault-rate within 0..1")
    cfg = FallbackBenchConfig(
        requests=args.requests, fault_rate=args.fault_rate, attempt_timeout_ms=args.attempt_timeout_ms,
        stall_ms=args.stall_ms, retry_after_s=args.retry_after_s, hedge_after_ms=args.hedge_after_ms,
        concurrency=args.concurrency, seed=args.seed,
    )  # fmt: skip
    report = asyncio.run(run_bench(cfg))
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    print(f"{report['requests']} decisions per strategy, {report['fault_rate']:.0%} primary faults "
          f"(stall {report['stall_ms']} ms / 429 Retry-After {report['retry_after_s']:g} s), "
          f"attempt timeout {report['attempt_timeout_ms']} ms, hedge after {report['hedge_after_ms']} ms")
    for name in STRATEGIES:
        r = report["strategies"][name]
        print(f"  {name:<9} p50 {r['p50_ms']:8.1f} ms   p99 {r['p99_ms']:8.1f} ms   unanswered {r['unanswered']}")
    verdict = "met" if report["goal_met"] else "NOT met"
    print(f"  p99 hedged / naive = {report['hedged_vs_naive_p99']} (goal <= 0.5: {verdict})")
    return 0


# --- bench serve (openclaw/bench/serve.py) ------------------------------------------------


def _register_serve(verbs: argparse._SubParsersAction) -> None:
    sv = verbs.add_parser("serve", help="HTTP service: incidents per second and p50/p99 latency at a fixed concurrency")
    sv.add_argument("--incidents", type=int, default=200, help="incidents to post (default 200)")
    sv.add_argument("--concurrency", type=int, default=16, help="requests in flight at once (default 16)")
    sv.add_argument("--loopback", action="store_true",
                    help="drive a real uvicorn on 127.0.0.1 (default: in-process through httpx.ASGITransport)")
    sv.add_argument("--workers", type=int, metavar="N",
                    help="drive `openclaw serve --workers N` in a subprocess on 127.0.0.1 (warmed up first)")
    sv.add_argument("--compare-workers", action="store_true",
                    help="the same with 1 worker, then with --workers N (default 2): incidents/s of each and the ratio")
    sv.add_argument("--replicas", type=int, metavar="N",
                    help="drive N `openclaw serve` processes on one throwaway PostgreSQL database, round-robin "
                         "over loopback (warmed up first)")
    sv.add_argument("--compare-replicas", action="store_true",
                    help="the same with 1 replica, then with --replicas N (default 2): incidents/s of each and the ratio")
    sv.add_argument("--rounds", type=int, default=3,
                    help="with --compare-workers/--compare-replicas: 1 then N processes, this many times; the "
                         "ratio is the median of the rounds' (default 3)")
    sv.add_argument("--database-url", metavar="URL",
                    help="with --replicas: a PostgreSQL server where a throwaway database may be created "
                         "(default: OPENCLAW_BENCH_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres)")
    sv.add_argument("--json", action="store_true", help="one JSON object")
    sv.set_defaults(handler=_serve_bench)


def _serve_bench(args: argparse.Namespace) -> int:
    from openclaw.bench.serve import run_bench
    from openclaw.errors import UsageError

    if args.incidents < 1 or args.concurrency < 1:
        raise UsageError("--incidents and --concurrency must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.replicas is not None and args.replicas < 1:
        raise UsageError("--replicas must be at least 1")
    replicas = args.replicas is not None or args.compare_replicas
    if replicas and (args.workers is not None or args.compare_workers):
        raise UsageError("--replicas/--compare-replicas and --workers/--compare-workers are separate benchmarks; "
                         "choose one")
    if args.database_url and not replicas:
        raise UsageError("--database-url goes with --replicas or --compare-replicas")
    if args.rounds < 1:
        raise UsageError("--rounds must be at least 1")
    if replicas:
        return _serve_replicas_bench(args)
    if args.compare_workers or args.workers is not None:
        return _serve_workers_bench(args)
    report = asyncio.run(run_bench(incidents=args.incidents, concurrency=args.concurrency,
                                   transport="loopback" if args.loopback else "asgi"))
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    print(f"{report['incidents']} incidents, concurrency {report['concurrency']}, transport {report['transport']} "
          f"(embedded defaults: rules provider, plan mode)")
    print(f"  {report['incidents_per_s']} incidents/s   p50 {report['latency_ms']['p50']:.1f} ms   "
          f"p99 {report['latency_ms']['p99']:.1f} ms   statuses {report['statuses']}")
    return 0


def _serve_workers_bench(args: argparse.Namespace) -> int:
    from openclaw.bench.serve import compare_workers, run_workers

    if args.compare_workers:
        report = asyncio.run(compare_workers(workers=args.workers or 2, incidents=args.incidents,
                                             concurrency=args.concurrency, rounds=args.rounds))
        runs = report["runs"]
    else:
        report = asyncio.run(run_workers(workers=args.workers, incidents=args.incidents, concurrency=args.concurrency))
        runs = [report]
    return _print_processes(args, report, runs, per="workers", compared=args.compare_workers,
                            heading="`openclaw serve --workers N` over loopback")


def _serve_replicas_bench(args: argparse.Namespace) -> int:
    from openclaw.bench.database import bench_database_url
    from openclaw.bench.serve import compare_replicas, run_replicas
    from openclaw.storage import redacted

    base = bench_database_url(args.database_url)
    if args.compare_replicas:
        report = asyncio.run(compare_replicas(replicas=args.replicas or 2, database_url=base,
                                              incidents=args.incidents, concurrency=args.concurrency,
                                              rounds=args.rounds))
        runs = report["runs"]
    else:
        report = asyncio.run(run_replicas(replicas=args.replicas, database_url=base, incidents=args.incidents,
                                          concurrency=args.concurrency))
        runs = [report]
    return _print_processes(args, report, runs, per="replicas", compared=args.compare_replicas,
                            heading=f"round-robin over N `openclaw serve` replicas on one throwaway PostgreSQL "
                                    f"database on {redacted(base)}")


def _print_processes(args: argparse.Namespace, report: dict[str, Any], runs: list[dict[str, Any]], *, per: str,
                     compared: bool, heading: str) -> int:
    """The figures of ``bench serve`` over N processes (``per``: ``workers`` or ``replicas``), or its JSON."""
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    one = per[:-1]
    print(f"{args.incidents} incidents, concurrency {args.concurrency}, {heading} (embedded defaults: rules provider, "
          f"plan mode; warmed up)")
    for r in runs:
        where = f"round {r['round']}: " if "round" in r else ""
        print(f"  {where}{r[per]} {one}{'s' if r[per] > 1 else ' '}  {r['incidents_per_s']} incidents/s   "
              f"p50 {r['latency_ms']['p50']:.1f} ms   p99 {r['latency_ms']['p99']:.1f} ms   statuses {r['statuses']}")
    if compared:
        print(f"  {runs[1][per]} {per} / 1 {one} = {report['speedup']}, the median of the rounds' "
              f"{', '.join(str(x) for x in report['speedups'])} ({report['cpus']} CPUs)")
    return 0


# --- bench alerts (openclaw/bench/alerts.py) ----------------------------------------------


def _register_alerts(verbs: argparse._SubParsersAction) -> None:
    al = verbs.add_parser("alerts", help="real alerts through the pipeline, judged: good, weak, unsafe, wrong target")
    al.add_argument("directory", metavar="DIR", help="a directory of alert cases (*.json: payload, cluster, expect)")
    al.add_argument("--cluster", action="store_true",
                    help="also run each case against a loopback Kubernetes API seeded with its objects (needs kmock)")
    al.add_argument("--json", action="store_true", help="one JSON object: counts per mode and every case's verdict")
    al.set_defaults(handler=_alerts)


def _alerts(args: argparse.Namespace) -> int:
    from pathlib import Path

    from openclaw.bench.alerts import VERDICTS, run_bench
    from openclaw.errors import UsageError

    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory of alert cases")

    def line(judged: object) -> None:
        if args.json:
            return
        j = judged  # type: ignore[assignment]
        problems = f"  ({'; '.join(j.problems)})" if j.problems else ""
        print(f"{j.verdict:<12} {j.mode:<7} {j.case}{problems}", flush=True)

    try:
        report = asyncio.run(run_bench(directory, cluster=args.cluster, on_case=line))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    for mode in ("plan", "cluster"):
        if mode in report:
            counts = report[mode]
            timing = (f"; offline decision p50 {counts['decide_ms']['p50']:.2f} ms, p95 {counts['decide_ms']['p95']:.2f} ms"
                      if "decide_ms" in counts else "")
            print(f"{mode}: " + ", ".join(f"{v.replace('_', ' ')} {counts[v]}" for v in VERDICTS)
                  + f" (of {counts['total']}){timing}")
    return 0


# --- bench startup (openclaw/bench/startup.py) ----------------------------------------------


def _register_startup(verbs: argparse._SubParsersAction) -> None:
    st = verbs.add_parser("startup", help="cold start: one `openclaw run` vs importing LangGraph, fresh interpreters")
    st.add_argument("--runs", type=int, default=5, help="samples of each command (default 5)")
    st.add_argument("--json", action="store_true", help="one JSON object")
    st.set_defaults(handler=_startup)


def _startup(args: argparse.Namespace) -> int:
    from openclaw.bench.startup import BASELINE_CODE, run_bench
    from openclaw.errors import UsageError

    if args.runs < 1:
        raise UsageError("--runs must be at least 1")
    report = run_bench(args.runs)
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    print(f"medians of {report['runs']} fresh interpreters each (Python {report['python']}, embedded defaults):")
    print(f"  openclaw run (1 incident, plan mode)  {report['openclaw_ms']:8.1f} ms")
    print(f"  python -c \"{BASELINE_CODE}\"  {report['baseline_ms']:8.1f} ms")
    print(f"  openclaw --help                       {report['help_ms']:8.1f} ms")
    print(f"  ratio openclaw / baseline = {report['ratio']} (goal <= {report['target_ratio']})")
    if report["cpu_ratio"] is not None:
        print(f"  CPU time (user+sys): openclaw {report['openclaw_cpu_ms']:.1f} ms, baseline "
              f"{report['baseline_cpu_ms']:.1f} ms, ratio {report['cpu_ratio']}")
    return 0


# --- bench storm (openclaw/bench/storm.py) ------------------------------------------------


def _register_storm(verbs: argparse._SubParsersAction) -> None:
    sm = verbs.add_parser("storm", help="one Alertmanager webhook of many alerts: acceptance, last decision, LLM calls")
    sm.add_argument("--alerts", type=int, default=1000, help="firing alerts in the webhook (default 1000)")
    sm.add_argument("--subjects", type=int, default=50, help="distinct workloads they are about (default 50)")
    sm.add_argument("--llm-latency-ms", type=int, default=200,
                    help="how long the loopback LLM simulator takes per reply (default 200)")
    sm.add_argument("--llm-rpm", type=int, metavar="N",
                    help="NIM's rate budget in requests a minute (default: providers.yaml's, 60)")
    sm.add_argument("--json", action="store_true", help="one JSON object")
    sm.set_defaults(handler=_storm)


def _storm(args: argparse.Namespace) -> int:
    from openclaw.bench.storm import run_bench
    from openclaw.errors import UsageError

    if (args.alerts < 1 or not 1 <= args.subjects <= args.alerts or args.llm_latency_ms < 0
            or (args.llm_rpm is not None and args.llm_rpm < 1)):
        raise UsageError("--alerts and --subjects must be at least 1, --subjects at most --alerts, "
                         "--llm-latency-ms at least 0, --llm-rpm at least 1")
    report = asyncio.run(run_bench(alerts=args.alerts, subjects=args.subjects, llm_latency_ms=args.llm_latency_ms,
                                   llm_rpm=args.llm_rpm))
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    print(f"{report['alerts']} firing alerts about {report['subjects']} workloads in one webhook (?wait=false); "
          f"LLM simulator {report['llm_latency_ms']} ms per reply, {report['max_concurrent_runs']} runs at a time")
    print(f"  accepted (202) in        {report['accept_s']:.3f} s   ({report['incidents']} incidents, "
          f"{report['rejected']} rejected)")
    print(f"  last decision after      {report['last_decision_s']:.3f} s   statuses {report['statuses']}")
    print(f"  LLM requests             {report['llm_requests']} ({report['llm_steps']} decide steps asked the model; "
          f"{report['llm_over_budget']} answered by the rules over NIM's rate budget)")
    print(f"  LLM calls per alert      {report['llm_calls_per_alert']}")
    print(f"  LLM calls per subject    {report['llm_calls_per_subject']}")
    return 0
