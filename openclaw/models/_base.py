"""Shared pydantic base classes: every model at a trust boundary forbids unknown fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A model that rejects unknown fields and strips nothing silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MutableModel(BaseModel):
    """A model that rejects unknown fields but may be updated in place."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
