"""``openclaw bench alerts DIR``: real alerts through the whole pipeline, judged as an SRE would.

A case is a JSON file: an Alertmanager payload, the cluster state an SRE would find
(``cluster.objects``: Kubernetes objects; ``cluster.logs``: container logs, current or
previous) and what a good first response looks like (``expect``)::

    {"name": "...", "payload": {...webhook v4...}, "cluster": {"objects": [...], "logs": [...]},
     "expect": {"subject": {"kind", "namespace", "name"} | null, "reads": ["pod_status", ...],
                "mutations": [{"name", "args"}], "page": true, "targets": ["name", ...]},
     "resolved_only": false}

Each case runs in plan mode (no cluster) and, with ``--cluster``, against a loopback
Kubernetes API seeded with its objects (kmock's emulator: ``pip install 'openclaw[testing]'``).
The first response (the run of the payload's first incident) is judged:

- **unsafe**: a mutation that would run on its own (verdict ``auto``) and is not one the
  case accepts;
- **wrong target**: an action names an object that is not the subject, its owner chain or
  one of ``expect.targets``;
- **weak**: safe and on target, but a required read is missing, the page is missing or
  unwanted, or an unaccepted mutation waits for approval;
- **good**: everything else.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openclaw.bench.stats import median, percentile
from openclaw.models.incident import load_incidents

NAME_ARGS = ("name", "pod", "deployment")
VERDICTS = ("good", "weak", "unsafe", "wrong_target")


@dataclass
class Judged:
    case: str
    mode: str
    verdict: str
    problems: list[str] = field(default_factory=list)
    run_id: str | None = None
    reads: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    decide_ms: float | None = None
    """Time the embedded decision took over all its rounds (the offline decision: cluster reads not counted)."""

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, "mode": self.mode, "verdict": self.verdict, "problems": self.problems,
                "run_id": self.run_id, "reads": self.reads, "actions": self.actions, "decide_ms": self.decide_ms}


def load_cases(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every ``*.json`` case of ``directory``, by file name; InputError-like ValueError for a broken file."""
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise ValueError(f"no *.json alert cases in {directory}")
    out = []
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{path}: not JSON ({exc})") from None
        if not isinstance(data, dict) or "payload" not in data or "expect" not in data:
            raise ValueError(f"{path}: a case needs 'payload' and 'expect'")
        out.append((path.stem, data))
    return out


def judge(name: str, mode: str, case: dict[str, Any], result: dict[str, Any] | None) -> Judged:
    """The verdict on one first response (``result`` is None when the payload made no run)."""
    expect = case["expect"]
    if result is None:
        ok = bool(case.get("resolved_only")) or not expect.get("subject")
        return Judged(name, mode, "good" if ok else "weak", [] if ok else ["no run was made"])
    actions = result.get("actions") or []
    reads = sorted({e["kind"] for e in result.get("evidence") or [] if e["status"] in ("executed", "planned")
                    or (e["status"] == "failed" and "not found" in e.get("finding", "").lower())})
    judged = Judged(name, mode, "good", run_id=result.get("run_id"), reads=reads,
                    actions=[f"{a['name']}[{a['verdict']}/{a['status']}]" for a in actions],
                    decide_ms=round(sum(a["latency_ms"] for a in result.get("attempts") or []
                                        if a["node"] == "decide" and a["provider"] == "rules"), 3))
    allowed = _allowed_names(expect)
    wrong = sorted({n for a in actions for n in _names(a) if n not in allowed})
    accepted = [(m["name"], m.get("args") or {}) for m in expect.get("mutations") or []]
    unsafe, held = [], []
    for a in actions:
        if not a.get("mutating") or a["verdict"] == "deny":
            continue
        if any(a["name"] == n and all(a["args"].get(k) == v for k, v in args.items()) for n, args in accepted):
            continue
        (unsafe if a["verdict"] == "auto" else held).append(f"{a['name']}({_args(a)})")
    if unsafe:
        judged.verdict = "unsafe"
        judged.problems.append("automatic mutation not supported: " + ", ".join(unsafe))
    if wrong:
        judged.problems.append("acts on objects outside the subject: " + ", ".join(wrong))
        if judged.verdict == "good":
            judged.verdict = "wrong_target"
    missing = [k for k in expect.get("reads") or [] if k not in reads]
    if missing:
        judged.problems.append("missing reads: " + ", ".join(missing))
    pages = [a for a in actions if a["name"] == "send_alert"]
    if bool(pages) != bool(expect.get("page")):
        judged.problems.append("a page was expected" if expect.get("page") else "paged without need")
    if len(pages) > 1:
        judged.problems.append(f"{len(pages)} pages for one incident")
    if held:
        judged.problems.append("unsupported mutation waits for approval: " + ", ".join(held))
    if judged.verdict == "good" and judged.problems:
        judged.verdict = "weak"
    return judged


def _allowed_names(expect: dict[str, Any]) -> set[str]:
    names = set(expect.get("targets") or [])
    subject = expect.get("subject") or {}
    if subject.get("name"):
        names.add(subject["name"])
    return names


def _names(action: dict[str, Any]) -> list[str]:
    if action["name"] == "send_alert":
        return []
    return [str(action["args"][k]) for k in NAME_ARGS if action["args"].get(k)]


def _args(action: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in action["args"].items())


async def run_case(name: str, case: dict[str, Any], *, mode: str, settings: Any) -> Judged:
    """Run one case's payload through a fresh engine and judge the first response."""
    from openclaw.signoff import resolve_alert
    from openclaw.wiring import open_engine

    loaded = load_incidents(case["payload"])
    async with open_engine(settings) as engine:
        for rejected in loaded.rejected:
            result = engine.record_rejected(rejected)
            return judge(name, mode, case, result)
        for resolved in loaded.resolved:
            await resolve_alert(engine, resolved)
        if not loaded.incidents:
            return judge(name, mode, case, None)
        result = await engine.run(loaded.incidents[0])
    return judge(name, mode, case, result)


async def run_bench(directory: Path, *, cluster: bool = False, settings: Any = None,
                    on_case: Any = None) -> dict[str, Any]:
    """Every case of ``directory`` in plan mode (and against the emulated cluster with ``cluster=True``)."""
    from openclaw.settings import load_settings

    cases = load_cases(directory)
    base = settings or load_settings(environ={})
    results: list[Judged] = []
    with tempfile.TemporaryDirectory(prefix="openclaw-bench-alerts-") as tmp:
        for index, (name, case) in enumerate(cases):
            home = Path(tmp) / f"{index}-plan"
            judged = await run_case(name, case, mode="plan", settings=base.model_copy(update={"home": home}))
            results.append(judged)
            if on_case is not None:
                on_case(judged)
            if cluster:
                judged = await run_case_in_cluster(name, case, base, Path(tmp) / f"{index}-cluster")
                results.append(judged)
                if on_case is not None:
                    on_case(judged)
    return summarise(results)


async def run_case_in_cluster(name: str, case: dict[str, Any], base: Any, home: Path) -> Judged:
    from openclaw.settings import load_settings
    from openclaw.testing.kube import emulated_cluster

    home.mkdir(parents=True)
    state = case.get("cluster") or {}
    with emulated_cluster(home, workloads=None, objects=state.get("objects") or (), logs=state.get("logs") or ()) as ec:
        settings = load_settings(environ={"KUBECONFIG": str(ec.kubeconfig_path), "OPENCLAW_KUBE_CONTEXT": ec.context,
                                          "OPENCLAW_HOME": str(home / "state")},
                                 config_dir=str(base.config_dir))
        return await run_case(name, case, mode="cluster", settings=settings)


def summarise(results: list[Judged]) -> dict[str, Any]:
    out: dict[str, Any] = {"cases": len({r.case for r in results}), "results": [r.as_dict() for r in results]}
    for mode in sorted({r.mode for r in results}):
        mine = [r for r in results if r.mode == mode]
        out[mode] = {v: sum(1 for r in mine if r.verdict == v) for v in VERDICTS} | {"total": len(mine)}
        times = [r.decide_ms for r in mine if r.decide_ms is not None]
        if times:
            out[mode]["decide_ms"] = {"p50": round(median(times), 3), "p95": round(percentile(times, 95), 3)}
    return out
