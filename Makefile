# Two entry points (see README): `make demo` and `make test`. Everything else is set-up.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=

.PHONY: demo test sync bench clean

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode compiles site-packages only; the editable project is compiled here, so that
# a fresh clone starts fast even where PYTHONDONTWRITEBYTECODE=1 stops Python from caching it.
sync: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --quiet --compile-bytecode
	.venv/bin/python -m compileall -q openclaw graphs

demo: sync
	OPENCLAW_HOME=$${OPENCLAW_HOME:-.openclaw} .venv/bin/openclaw run examples/demo.json examples/alertmanager-group.json

test: sync
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench: sync
	.venv/bin/openclaw bench pipeline
	.venv/bin/openclaw bench toolcalls --provider rules

clean:
	rm -rf .venv .tools .openclaw
