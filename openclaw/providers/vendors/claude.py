"""Anthropic Claude through its OpenAI-compatible endpoint."""

from openclaw.providers.vendors.spec import Vendor

VENDOR = Vendor(
    name="claude",
    title="Claude",
    adapter="openai_compat",
    key_env="ANTHROPIC_API_KEY",
    base_url_env="ANTHROPIC_BASE_URL",
    default_base_url="https://api.anthropic.com/v1/",
    order=40,
)
