"""Fixtures shared by the integration tests: an emulated cluster (kmock) and a client connected to it.

``ec`` starts kmock's Kubernetes emulator on loopback with the default workloads and a
kubeconfig; ``cluster`` is the real ``kubernetes`` client connected through that kubeconfig.
A test module may define its own ``ec`` (e.g. to also set KUBECONFIG), which wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw.kube.access import Cluster, connect
from openclaw.testing.kube import EmulatedCluster, emulated_cluster


@pytest.fixture
def ec(tmp_path: Path) -> Iterator[EmulatedCluster]:
    with emulated_cluster(tmp_path) as running:
        yield running


@pytest.fixture
def cluster(ec: EmulatedCluster) -> Iterator[Cluster]:
    c = connect(kubeconfig=str(ec.kubeconfig_path), context=ec.context)
    assert c is not None
    yield c
    c.close()
