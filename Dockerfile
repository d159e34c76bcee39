# OpenClaw as a container: `openclaw serve` on port 8080, for configs/k8s/deployment.yaml.
#
#   docker build -t openclaw:latest .
#   docker run --rm -p 8080:8080 -e OPENCLAW_API_TOKEN=... openclaw:latest
#
# The project is installed as a wheel (not editable) into /opt/venv, so the shipped
# configs come from the package (openclaw/_configs); mount another directory and set
# OPENCLAW_CONFIG_DIR to use your own. State (runs, audit log, ledger) lives in
# OPENCLAW_HOME=/var/lib/openclaw: mount a volume there. tests/unit/test_packaging.py
# checks that this file and the manifest agree (port, command, user, state directory).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    OPENCLAW_HOME=/var/lib/openclaw

RUN pip install --no-cache-dir "uv>=0.8"

WORKDIR /app
# Dependencies first (a layer that survives code changes), exactly as locked.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --compile-bytecode
# Then the project itself.
COPY openclaw ./openclaw
COPY graphs ./graphs
COPY configs ./configs
RUN uv sync --frozen --no-dev --no-editable --compile-bytecode

# Non-root; the same uid as runAsUser in configs/k8s/deployment.yaml.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/openclaw --no-create-home \
        --shell /usr/sbin/nologin openclaw \
    && mkdir -p /var/lib/openclaw \
    && chown 10001:10001 /var/lib/openclaw
USER 10001
VOLUME ["/var/lib/openclaw"]

EXPOSE 8080
ENTRYPOINT ["openclaw"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
