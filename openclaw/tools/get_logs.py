"""``get_logs(pod, namespace, tail?, container?, previous?)``: the newest lines of one container's log.

``GET pods/NAME/log`` with ``tailLines`` (default 100), ``container``, ``previous=true``
(the previous, terminated instance of the container: what ``kubectl logs -p`` reads,
where the crash of a CrashLoopBackOff is) and ``limitBytes = LOG_FETCH_FACTOR ×
log_max_bytes``, a safety cap only. The server's ``limitBytes`` keeps the *first* bytes
of the tail (the oldest lines), so it cannot be the bound itself: the summary keeps the
*last* ``log_max_bytes`` bytes, cut at a line boundary. Only when the server hits the cap
(the newest lines were cut off) is one more, identical request sent with fewer
``tailLines`` (:func:`smaller_tail`), so the crash line at the end is never lost to the bound.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, StrictInt

from openclaw.models._base import StrictModel
from openclaw.models.names import K8sLabel, K8sName
from openclaw.tools.base import ApiRequest, ApiResource, Args, CallContext, Permission, ToolSpec

MAX_LOG_TAIL = 5000
DEFAULT_LOG_TAIL = 100
LOG_FETCH_FACTOR = 8
"""get_logs asks the server for at most this many times ``log_max_bytes`` (a memory cap, see above)."""
PODS = ApiResource("", "v1", "pods")


class GetLogsArgs(StrictModel):
    pod: K8sName
    namespace: K8sLabel
    tail: StrictInt | None = Field(default=None, ge=1, le=MAX_LOG_TAIL)
    container: K8sLabel | None = None
    previous: StrictBool | None = None


def requests(args: Args, ctx: CallContext) -> list[ApiRequest]:
    query = {"tailLines": str(args.get("tail") or DEFAULT_LOG_TAIL),
             "limitBytes": str(ctx.log_max_bytes * LOG_FETCH_FACTOR)}
    if args.get("container"):
        query["container"] = args["container"]
    if args.get("previous"):
        query["previous"] = "true"
    return [ApiRequest("GET", PODS, args["namespace"], args["pod"], "log", query, response="text")]


def _text(body: Any) -> str:
    return body if isinstance(body, str) else str(body)


def smaller_tail(request: ApiRequest, body: Any, ctx: CallContext) -> ApiRequest | None:
    """The request again with fewer ``tailLines`` when the response hit the server's cap; else None.

    The server kept the oldest ``limitBytes`` of the tail, so the newest lines are
    missing; ask for about as many lines as fit in ``log_max_bytes`` at the average
    length seen (at least one).
    """
    received = body if isinstance(body, bytes) else _text(body).encode("utf-8")
    cap = int(request.query.get("limitBytes") or 0)
    if not cap or len(received) < cap:
        return None
    tail = int(request.query["tailLines"])
    complete = received.count(b"\n")
    fewer = max(1, min(tail - 1, complete * ctx.log_max_bytes // max(1, len(received))))
    if fewer >= tail:
        return None
    return ApiRequest(request.method, request.resource, request.namespace, request.name, request.subresource,
                      {**request.query, "tailLines": str(fewer)}, request.content_type, request.body,
                      request.response)


def _count_lines(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def summarize(args: Args, request: ApiRequest, body: Any, ctx: CallContext) -> dict[str, Any]:
    """The last ``log_max_bytes`` bytes of what the server sent, starting at a line boundary."""
    text, limit = _text(body), ctx.log_max_bytes
    raw = text.encode("utf-8")
    cut = raw
    if len(raw) > limit:
        cut = raw[-limit:]
        newline = cut.find(b"\n")
        if raw[-limit - 1:-limit] != b"\n" and 0 <= newline < len(cut) - 1:
            cut = cut[newline + 1:]  # drop the partial first line (a single huge line is cut mid-line)
    shown = cut.decode("utf-8", errors="ignore")
    received_lines, lines = _count_lines(text), _count_lines(shown)
    requested = int(args.get("tail") or DEFAULT_LOG_TAIL)
    fetched = int(request.query.get("tailLines") or requested)  # fewer when the server cap forced a refetch
    result: dict[str, Any] = {
        "pod": args["pod"],
        "namespace": args["namespace"],
        "container": args.get("container"),
        "previous": bool(args.get("previous")),
        "tail": requested,
        "bytes": len(cut),
        "lines": lines,
        "truncated": len(cut) < len(raw) or fetched < requested,
        "text": shown,
    }
    if result["truncated"]:
        notes = [f"log truncated: showing its last {lines} lines ({len(cut)} bytes; log_max_bytes={limit})"]
        if fetched < requested:
            notes.append(f"the {requested} requested lines exceeded the server cap (limitBytes="
                         f"{request.query['limitBytes']}), so only the last {fetched} were fetched")
        if len(cut) < len(raw):
            notes.append(f"{received_lines - lines} earlier lines ({len(raw) - len(cut)} bytes) were dropped")
        result.update(dropped_lines=(received_lines - lines) + (requested - fetched),
                      dropped_bytes=len(raw) - len(cut), note="; ".join(notes))
    if request.query.get("limitBytes") and len(raw) >= int(request.query["limitBytes"]):
        result["newest_lines_missing"] = True
        result["note"] = (result.get("note", "") + "; the server stopped at limitBytes="
                          f"{request.query['limitBytes']}, so the newest lines may be missing: ask for fewer "
                          "lines (tail)").lstrip("; ")
    return result


SPEC = ToolSpec(
    name="get_logs",
    description="Get logs from a Kubernetes pod",
    args_model=GetLogsArgs,
    parameters={
        "type": "object",
        "properties": {
            "pod": {"type": "string"},
            "namespace": {"type": "string"},
            "tail": {"type": "integer", "description": "Number of lines (default: 100)"},
            "container": {"type": "string", "description": "Container name (optional)"},
            "previous": {"type": "boolean",
                         "description": "Logs of the previous, terminated instance of the container (kubectl logs -p)"},
        },
        "required": ["pod", "namespace"],
    },
    mutating=False,
    risk="read",
    namespaced=True,
    requests=requests,
    summarize=summarize,
    refine=smaller_tail,
    permissions=(Permission("", "pods/log", "get"),),
)
