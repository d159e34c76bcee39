"""Ollama: a local server speaking ``/api/chat``; keyless, used only when OLLAMA_BASE_URL is set or enabled."""

from openclaw.providers.vendors.spec import Vendor

VENDOR = Vendor(
    name="ollama",
    title="Ollama",
    adapter="ollama",
    base_url_env="OLLAMA_BASE_URL",
    default_base_url="http://localhost:11434",
    defaults={"structured_output": "json_schema"},
    order=20,
)
