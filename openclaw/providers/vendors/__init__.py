"""The LLM vendors OpenClaw can ask: ``VENDORS``, name -> :class:`Vendor`, one module per vendor.

Every module of this package other than ``spec`` declares one ``VENDOR``; they are found
here, so adding a vendor is its module plus its entries in providers.yaml and routing.yaml.
The embedded ``rules`` provider is not a vendor (no endpoint, no key): it is always there.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType

from openclaw.providers.vendors.spec import Adapter, Vendor

__all__ = ["VENDORS", "Adapter", "Vendor"]


def _discover() -> Mapping[str, Vendor]:
    found: list[Vendor] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "spec" or info.name.startswith("_"):
            continue
        vendor = importlib.import_module(f"{__name__}.{info.name}").VENDOR
        if vendor.name != info.name:
            raise RuntimeError(f"{__name__}.{info.name} declares vendor {vendor.name!r}; the module must be named after it")
        found.append(vendor)
    return MappingProxyType({v.name: v for v in sorted(found, key=lambda v: (v.order, v.name))})


VENDORS: Mapping[str, Vendor] = _discover()
"""Every vendor, in listing order (``order``, then name)."""

