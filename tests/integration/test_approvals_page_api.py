"""The approvals page's routes in-process (``httpx.ASGITransport``): the static shell and the reads it uses.

Covers: ``/ui/``, ``/ui/app.js``, ``/ui/app.css`` are served without the token with the strict
CSP and the other security headers, ``/ui`` redirects, any other name is 404; the shell has no
inline script or style (the CSP would block it); ``/v1/approvals/queue`` and ``/v1/approvers``
need the token; the queue lists a waiting run with what an approver needs (risk reasons,
digest, expiry, the request the digest covers, verified approvals so far) and judges expiry
by the service's clock; a completed run is not listed; the approvers list carries names,
groups and fingerprints, no private material.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from openclaw.approvals.digest import ActionRequest, request_digest
from openclaw.approvals.keys import fingerprint_of, load_private_key
from openclaw.server import create_app
from openclaw.server.routes_ui import CSP
from openclaw.settings import load_settings
from openclaw.signoff import sign_for_run, submit
from openclaw.testing.approvers import config_with_approvers

TOKEN = "page-api-token"
WAITS = {"id": "inc-wait", "description": "restart the awoooi-api deployment in awoooi-prod", "requested_by": "carol",
         "source": "chat"}


class Page:
    def __init__(self, app: Any, client: httpx.AsyncClient, keys: dict[str, Path]) -> None:
        self.app, self.client, self.keys = app, client, keys

    @property
    def engine(self) -> Any:
        return self.app.state.service.engine


@pytest_asyncio.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    config_dir, keys = config_with_approvers(tmp_path, {"alice": ["sre"], "bob": ["sre"]},
                                             tiers={"standard": "2 from group sre"})
    settings = load_settings(config_dir=config_dir,
                             environ={"OPENCLAW_HOME": str(tmp_path / "home"), "OPENCLAW_API_TOKEN": TOKEN})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://openclaw") as client:
            yield Page(app, client, keys)


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "media"), [("/ui/", "text/html"), ("/ui/app.js", "text/javascript"),
                                             ("/ui/app.css", "text/css")])
async def test_the_shell_is_open_with_strict_headers(page: Page, path: str, media: str) -> None:
    response = await page.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert response.headers["content-security-policy"] == CSP
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert directive in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.asyncio
async def test_the_shell_has_no_inline_script_or_style(page: Page) -> None:
    html = (await page.client.get("/ui/")).text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/ui/' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html, flags=re.I), "no inline event handlers"


@pytest.mark.asyncio
async def test_redirect_and_unknown_files(page: Page) -> None:
    redirect = await page.client.get("/ui")
    assert redirect.status_code == 308 and redirect.headers["location"] == "/ui/"
    for path in ("/ui/secrets.txt", "/ui/..%2fapp.py", "/ui/static"):
        assert (await page.client.get(path)).status_code == 404, path


@pytest.mark.asyncio
async def test_the_reads_need_the_token(page: Page) -> None:
    for path in ("/v1/approvals/queue", "/v1/approvers"):
        response = await page.client.get(path)
        assert response.status_code == 401 and "Bearer" in response.json()["error"], path


@pytest.mark.asyncio
async def test_the_queue_shows_what_an_approver_needs(page: Page) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    assert (await page.client.get("/v1/approvals/queue", headers=auth)).json()["runs"] == []
    run = (await page.client.post("/v1/incidents", json=WAITS, headers=auth)).json()
    done = (await page.client.post("/v1/incidents", json={"description": "show me all pods in awoooi-prod"},
                                   headers=auth)).json()
    assert done["status"] == "completed"
    [decision] = sign_for_run(run, page.keys["alice"], kind="approve", approver="alice")
    await submit(page.engine, decision)

    queue = (await page.client.get("/v1/approvals/queue", headers=auth)).json()
    [entry] = queue["runs"]
    assert entry["run_id"] == run["run_id"] and entry["incident"]["requested_by"] == "carol"
    assert entry["evidence"] == run["evidence"] and entry["subject"] == run["subject"]
    assert entry["rests_on"] == run["decision"]["rests_on"]
    [action] = entry["actions"]
    shown = run["actions"][0]
    assert (action["name"], action["args"], action["digest"], action["risk"], action["reasons"]) == (
        shown["name"], shown["args"], shown["digest"], shown["risk"], shown["reasons"])
    assert (action["approvals_required"], action["tier"], action["group"]) == (2, "standard", "sre")
    assert [a["approver"] for a in action["approvals"]] == ["alice"]
    assert action["expired"] is False
    # The request the page recomputes the digest from reproduces the digest.
    assert request_digest(ActionRequest(run_id=run["run_id"], action_index=0, name=action["name"],
                                        args=action["args"], **action["request"])) == action["digest"]

    real_clock = page.engine.context.clock
    page.engine.context.clock = lambda: real_clock() + 2 * 24 * 3600
    try:
        later = (await page.client.get("/v1/approvals/queue", headers=auth)).json()
    finally:
        page.engine.context.clock = real_clock
    assert later["runs"][0]["actions"][0]["expired"] is True
    assert later["now"] > queue["now"]


@pytest.mark.asyncio
async def test_the_approvers_list_has_public_material_only(page: Page) -> None:
    body = (await page.client.get("/v1/approvers", headers={"authorization": f"Bearer {TOKEN}"})).json()
    by_name = {a["name"]: a for a in body["approvers"]}
    assert set(by_name) == {"alice", "bob"}
    for name, path in page.keys.items():
        entry = by_name[name]
        assert entry["groups"] == ["sre"] and entry["public_key"].startswith("ssh-ed25519 ")
        assert entry["fingerprint"] == fingerprint_of(load_private_key(path).public_key())
    assert "PRIVATE" not in str(body)
