"""NVIDIA NIM: OpenAI-compatible chat completions (key, base URL, model names, free-tier limits)."""

from openclaw.providers.vendors.spec import Vendor

VENDOR = Vendor(
    name="nim",
    title="NVIDIA NIM",
    adapter="openai_compat",
    key_env="NVIDIA_API_KEY",
    key_example="nvapi-...",
    base_url_env="NVIDIA_API_BASE_URL",
    default_base_url="https://integrate.api.nvidia.com/v1",
    model_envs={
        "NEMOTRON_TOOL_MODEL": "nvidia/nemotron-mini-4b-instruct",
        "NEMOTRON_REASONING_MODEL": "nvidia/llama-3.1-nemotron-70b-instruct",
    },
    rpm_env="NEMOTRON_RPM_LIMIT",
    tpm_env="NEMOTRON_TPM_LIMIT",
    defaults={"rpm_limit": 60, "tpm_limit": 100_000},
    order=10,
)
