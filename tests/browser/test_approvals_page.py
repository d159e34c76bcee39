"""The approvals page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

``openclaw serve``'s app runs on a real uvicorn on 127.0.0.1 (random port, in a thread) with a
bearer token, two approvers (alice, bob; the standard tier needs both) and the embedded
defaults (rules provider, plan mode). Each approver's PKCS#8 key, as ``openclaw keys
generate`` writes it, is pasted into the page, imported by WebCrypto as non-extractable, and
every signature is made in the browser and verified by the service.

Covers: the page's strict CSP and that the token from the link's fragment leaves the address
bar; without a token the page shows nothing and asks for it (a wrong one is refused); the list renders each waiting action with its risk reasons, digest, expiry and approvals
so far; evidence carried by the run renders; approving with two keys completes the run (the
digests the browser recomputes match the service's); the key is kept non-extractable in
IndexedDB (it survives a reload, and no export format reads it back); a rejection with its
reason ends it; a digest tampered on its way to the browser is refused by the page, which
signs nothing it cannot reproduce; another action shown with its own matching digest is
signed and refused by the service (the run keeps waiting, nothing counted); a request that
has expired by the service's clock offers no way to sign it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from openclaw.approvals.digest import ActionRequest, request_digest
from openclaw.server import create_app
from openclaw.server.routes_ui import CSP
from openclaw.settings import load_settings
from openclaw.testing.approvers import config_with_approvers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "browser-test-token"
UI_TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install -y chromium)")


class Service:
    """The app on uvicorn in a thread, and an HTTP client for the test's own requests."""

    def __init__(self, tmp: Path) -> None:
        config_dir, self.keys = config_with_approvers(
            tmp, {"alice": ["sre"], "bob": ["sre"]}, tiers={"standard": "2 from group sre", "high": "2 from group sre"})
        settings = load_settings(config_dir=config_dir,
                                 environ={"OPENCLAW_HOME": str(tmp / "home"), "OPENCLAW_API_TOKEN": TOKEN})
        # No background expiry sweep: the expired request must stay listed for the page to show.
        settings = settings.model_copy(update={"server": settings.server.model_copy(update={"expiry_sweep_s": 0})})
        self.app = create_app(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-browser-test", daemon=True)
        self.http = httpx.Client(base_url=self.url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=60)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn exited before it started"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def engine(self) -> Any:
        return self.app.state.service.engine

    def waiting_run(self, incident_id: str, deployment: str) -> dict[str, Any]:
        body = {"id": incident_id, "description": f"restart the {deployment} deployment in awoooi-prod",
                "requested_by": "carol", "source": "chat"}
        run = self.http.post("/v1/incidents", json=body).json()
        assert run["status"] == "awaiting_approval", run
        return run

    def run(self, run_id: str) -> dict[str, Any]:
        return self.http.get(f"/v1/runs/{run_id}").json()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = Service(tmp_path_factory.mktemp("approvals-page"))
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, service: Service) -> Iterator[Any]:
    """A fresh browser context (its own IndexedDB: no key imported yet), errors in the page fail the test."""
    context = browser.new_context()
    context.set_default_timeout(UI_TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, errors


def _open(page: Any, service: Service) -> None:
    page.goto(f"{service.url}/ui/#token={TOKEN}")
    page.wait_for_selector("body[data-loaded=true]")


def _import_key(page: Any, service: Service, who: str) -> None:
    if page.is_visible("#key-forget"):
        page.click("#key-forget")
        page.wait_for_selector("#key-none", state="visible")
    page.fill("#key-pem", service.keys[who].read_text())
    page.click("#key-import")
    page.wait_for_function("name => document.getElementById('key-name').textContent === name", arg=who)


def _action(page: Any, run_id: str, index: int = 0) -> Any:
    return page.locator(f"article[data-run='{run_id}'] .action[data-index='{index}']")


def _tamper_queue(page: Any, run_id: str, change: Any, *, run_change: Any = None) -> None:
    """Rewrite the queue on its way to the browser: ``change(action)`` edits each action of ``run_id``
    (and ``run_change(entry)`` its entry)."""
    def handle(route: Any) -> None:
        queue = route.fetch().json()
        for item in queue["runs"]:
            if item["run_id"] == run_id:
                if run_change is not None:
                    run_change(item)
                for action in item["actions"]:
                    change(action)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(queue))

    page.route("**/v1/approvals/queue", handle)


def _posted(page: Any) -> list[str]:
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    return posts


def _refusal(page: Any, run_id: str) -> str:
    page.wait_for_function(
        "id => (document.querySelector(`article[data-run='${id}'] .outcome`) || {}).textContent?.startsWith('refused')",
        arg=run_id)
    return _action(page, run_id).locator(".outcome").inner_text()


def test_the_list_renders(page: Any, service: Service) -> None:
    run = service.waiting_run("inc-page-list", "awoooi-list")
    response = page.goto(f"{service.url}/ui/#token={TOKEN}")
    assert response.headers["content-security-policy"] == CSP
    assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
    page.wait_for_selector("body[data-loaded=true]")
    assert "token" not in page.url, "the token is taken out of the address bar"

    action = _action(page, run["run_id"])
    shown = run["actions"][0]
    assert action.locator("code").first.inner_text() == (
        'restart_deployment {"deployment":"awoooi-list","namespace":"awoooi-prod"}')
    assert action.locator(".digest").inner_text() == shown["digest"]
    assert action.locator(".risk").inner_text() == str(shown["risk"])
    reasons = action.locator(".reasons li").all_inner_texts()
    assert reasons == shown["reasons"] and any("production namespace" in r for r in reasons)
    assert "Approvals so far: none" in action.locator(".approvals").inner_text()
    expires_at = service.http.get(f"/v1/runs/{run['run_id']}/pending").json()["pending"][0]["expires_at"]
    assert f"expires {expires_at}" in action.inner_text()
    assert "needs 2 approval(s)" in action.inner_text()
    # Without a key nothing can be signed.
    assert action.locator("button.approve").is_disabled()


def test_without_a_token_the_page_asks_for_it(page: Any, service: Service) -> None:
    run = service.waiting_run("inc-page-token", "awoooi-token")
    page.goto(f"{service.url}/ui/")
    page.wait_for_selector("#token-panel", state="visible")
    assert "OPENCLAW_API_TOKEN" in page.inner_text("#status")
    assert page.locator("article.run").count() == 0, "nothing is shown without the token"
    page.fill("#token-input", "not-the-token")
    page.click("#token-save")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('invalid bearer token')")
    page.fill("#token-input", TOKEN)
    page.click("#token-save")
    page.wait_for_selector(f"article[data-run='{run['run_id']}']")
    assert page.is_hidden("#token-panel")


def test_evidence_renders_when_the_run_carries_it(page: Any, service: Service) -> None:
    """Evidence in the run result's shape (openclaw.models.run.Evidence), injected into the queue."""
    run = service.waiting_run("inc-page-evidence", "awoooi-evidence")
    evidence = [
        {"id": "ev-1", "round": 1, "kind": "pod_status", "action_index": 0, "name": "kubectl_get",
         "args": {"resource": "pods", "namespace": "awoooi-prod", "name": "awoooi-evidence-7d9f"},
         "status": "executed", "finding": "CrashLoopBackOff, 14 restarts in 10 min", "guess": False, "why": "alert"},
        {"id": "ev-2", "round": 1, "kind": "events", "action_index": 1, "name": "kubectl_get",
         "args": {"resource": "events", "namespace": "awoooi-prod"}, "status": "executed",
         "finding": "no events", "guess": False, "why": "asked for by the model"},
    ]

    def carry(item: dict[str, Any]) -> None:
        item.update(evidence=evidence, rests_on=["ev-1"])

    _tamper_queue(page, run["run_id"], lambda action: None, run_change=carry)
    _open(page, service)
    items = page.locator(f"article[data-run='{run['run_id']}'] .evidence > li")
    assert items.count() == 2
    first = items.nth(0).locator("summary").inner_text()
    assert first == ('ev-1 kubectl_get {"name":"awoooi-evidence-7d9f","namespace":"awoooi-prod","resource":"pods"} '
                     "(executed): CrashLoopBackOff, 14 restarts in 10 min · the decision rests on this")
    assert "the decision rests on this" not in items.nth(1).locator("summary").inner_text()
    assert '"why": "alert"' in items.nth(0).locator("pre").text_content()


def test_two_keys_complete_the_run(page: Any, service: Service) -> None:
    run = service.waiting_run("inc-page-approve", "awoooi-approve")
    _open(page, service)
    _import_key(page, service, "alice")
    _action(page, run["run_id"]).locator("button.approve").click()
    page.wait_for_function(
        "id => (document.querySelector(`article[data-run='${id}'] .approvals`) || {}).textContent?.includes('alice')",
        arg=run["run_id"])
    assert service.run(run["run_id"])["status"] == "awaiting_approval"
    approve = _action(page, run["run_id"]).locator("button.approve")
    assert approve.is_disabled() and approve.inner_text() == "Approved by you"

    _import_key(page, service, "bob")
    _action(page, run["run_id"]).locator("button.approve").click()
    page.wait_for_selector(f"article[data-run='{run['run_id']}']", state="detached")
    done = service.run(run["run_id"])
    assert done["status"] == "completed"
    assert sorted(a["approver"] for a in done["actions"][0]["approvals"]) == ["alice", "bob"]
    assert done["actions"][0]["status"] == "planned"


STORED_KEY_JS = """async () => {
  const done = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const db = await done(indexedDB.open("openclaw-approvals"));
  const signer = await done(db.transaction("keys").objectStore("keys").get("signer"));
  db.close();
  let exported = "refused";
  for (const format of ["pkcs8", "jwk", "raw"]) {
    try { await crypto.subtle.exportKey(format, signer.key); exported = format; } catch (_) {}
  }
  return {name: signer.name, type: signer.key.type, algorithm: signer.key.algorithm.name,
          extractable: signer.key.extractable, usages: signer.key.usages, exported};
}"""


def test_the_key_is_imported_once_and_cannot_be_read_back(page: Any, service: Service) -> None:
    _open(page, service)
    _import_key(page, service, "bob")
    assert page.input_value("#key-pem") == "", "the pasted PEM is cleared"
    page.reload()
    page.wait_for_selector("body[data-loaded=true]")
    assert page.inner_text("#key-name") == "bob", "the key survives a reload (kept in IndexedDB)"
    stored = page.evaluate(STORED_KEY_JS)
    assert stored == {"name": "bob", "type": "private", "algorithm": "Ed25519", "extractable": False,
                      "usages": ["sign"], "exported": "refused"}


def test_a_reject_ends_the_run(page: Any, service: Service) -> None:
    run = service.waiting_run("inc-page-reject", "awoooi-reject")
    _open(page, service)
    _import_key(page, service, "bob")
    action = _action(page, run["run_id"])
    action.locator("button.reject").click()
    assert action.locator(".outcome").inner_text() == "a rejection needs a reason"
    action.locator("input.reason").fill("not during the freeze")
    action.locator("button.reject").click()
    page.wait_for_selector(f"article[data-run='{run['run_id']}']", state="detached")
    ended = service.run(run["run_id"])
    assert ended["status"] == "rejected"
    assert ended["actions"][0]["status"] == "rejected"
    assert any("not during the freeze" in r for r in ended["actions"][0]["reasons"])


def test_a_tampered_digest_is_refused(page: Any, service: Service) -> None:
    run = service.waiting_run("inc-page-tamper", "awoooi-tamper")
    real = run["actions"][0]["digest"]
    forged = ("0" if real[0] != "0" else "1") + real[1:]
    _tamper_queue(page, run["run_id"], lambda action: action.update(digest=forged))
    posts = _posted(page)
    _open(page, service)
    _import_key(page, service, "alice")
    assert _action(page, run["run_id"]).locator(".digest").inner_text() == forged
    _action(page, run["run_id"]).locator("button.approve").click()
    assert "is not the digest of the action shown; not signed" in _refusal(page, run["run_id"])
    assert posts == [], "the page signs nothing whose digest it cannot reproduce"
    still = service.run(run["run_id"])
    assert still["status"] == "awaiting_approval" and still["actions"][0]["approvals"] == []


def test_another_action_with_its_own_digest_is_refused_by_the_service(page: Any, service: Service) -> None:
    """The queue shows another action with a digest that matches it: the page signs it, the service refuses."""
    run = service.waiting_run("inc-page-swap", "awoooi-swap")
    swapped_args = {"deployment": "awoooi-swap", "namespace": "awoooi-staging"}

    def swap(action: dict[str, Any]) -> None:
        request = action["request"]
        action["args"] = swapped_args
        action["digest"] = request_digest(ActionRequest(run_id=run["run_id"], action_index=action["index"],
                                                        name=action["name"], args=swapped_args, **request))

    _tamper_queue(page, run["run_id"], swap)
    posts = _posted(page)
    _open(page, service)
    _import_key(page, service, "alice")
    _action(page, run["run_id"]).locator("button.approve").click()
    refusal = _refusal(page, run["run_id"])
    assert "signed digest" in refusal and "the action changed or this is another request" in refusal
    assert posts == [f"{service.url}/v1/runs/{run['run_id']}/approvals"]
    still = service.run(run["run_id"])
    assert still["status"] == "awaiting_approval" and still["actions"][0]["approvals"] == []


def test_an_expired_request_cannot_be_signed(page: Any, service: Service) -> None:
    engine = service.engine
    real_clock = engine.context.clock
    engine.context.clock = lambda: real_clock() - 7 * 24 * 3600  # the request is judged a week ago ...
    try:
        run = service.waiting_run("inc-page-expired", "awoooi-expired")
    finally:
        engine.context.clock = real_clock  # ... so by the service's clock it has expired
    _open(page, service)
    _import_key(page, service, "alice")
    action = _action(page, run["run_id"])
    assert "can no longer be signed" in action.locator(".expired").inner_text()
    assert action.locator("button.approve").count() == 0 and action.locator("button.reject").count() == 0
    assert service.run(run["run_id"])["actions"][0]["approvals"] == []
