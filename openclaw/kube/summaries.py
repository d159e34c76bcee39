"""Summaries of API objects for the run result: the ones each tool declares in ``openclaw.tools``.

The per-kind summaries live in :mod:`openclaw.tools.objects` (pods with their containers'
states and last terminations, workloads with conditions and owners, jobs, HPAs, volumes,
quotas, nodes with taints, events with the involved object); ``one`` and ``listing`` are
``kubectl_get``'s result (lists bounded to ``MAX_ITEMS`` items, the newest ``MAX_EVENTS``
events, and a ``note`` when the list call's ``limit`` left items on the server).
"""

from __future__ import annotations

from openclaw.tools.kinds import KINDS
from openclaw.tools.kubectl_get import MAX_EVENTS, MAX_ITEMS, listing, one
from openclaw.tools.objects import (
    daemonset,
    deployment,
    event,
    event_time,
    horizontalpodautoscaler,
    job,
    node,
    persistentvolume,
    persistentvolumeclaim,
    pod,
    replicaset,
    resourcequota,
    service,
    statefulset,
)

SUMMARISERS = {name: kind.summary for name, kind in KINDS.items()}
"""The summary of each kind ``kubectl_get`` reads, by resource name."""

__all__ = [
    "MAX_EVENTS", "MAX_ITEMS", "SUMMARISERS", "daemonset", "deployment", "event", "event_time",
    "horizontalpodautoscaler", "job", "listing", "node", "one", "persistentvolume", "persistentvolumeclaim", "pod",
    "replicaset", "resourcequota", "service", "statefulset",
]
