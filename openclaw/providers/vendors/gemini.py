"""Google Gemini through its OpenAI-compatible endpoint (Google AI Studio key)."""

from openclaw.providers.vendors.spec import Vendor

VENDOR = Vendor(
    name="gemini",
    title="Gemini",
    adapter="openai_compat",
    key_env="GEMINI_API_KEY",
    base_url_env="GEMINI_BASE_URL",
    default_base_url="https://generativelanguage.googleapis.com/v1beta/openai/",
    order=30,
)
