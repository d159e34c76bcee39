// OpenClaw approvals page: lists what waits for sign-off and signs decisions in the browser.
//
// The approver's Ed25519 private key (PKCS#8 PEM from `openclaw keys generate`) is imported
// with WebCrypto as NON-extractable and kept in IndexedDB (structured clone keeps it
// non-extractable), so it is imported once and never leaves the browser: only signatures do.
// Before signing, the page recomputes the action's digest from what it shows (name, arguments,
// run, request) and refuses a digest that does not match. The signed decision is exactly what
// `openclaw approve --print` produces: the Ed25519 signature covers "openclaw.decision/v1\n" +
// the canonical JSON (sorted keys, no spaces, UTF-8) of every field but `signature`
// (openclaw/approvals/signing.py). Everything shown is set as text, never parsed as HTML.
"use strict";

const SIGNATURE_DOMAIN = "openclaw.decision/v1\n";
const DIGEST_DOMAIN = "openclaw.action-request/v1";
const DECISION_TTL_S = 3600;
const TOKEN_KEY = "openclaw.api-token";
const DB_NAME = "openclaw-approvals";
const DB_STORE = "keys";
const SIGNER_ID = "signer";

const state = { token: sessionStorage.getItem(TOKEN_KEY), signer: null, offsetMs: 0, focusRun: null, queue: [] };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, String(value));
    else if (name in node) node[name] = value;
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

// --- the API ---------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options) {
  const headers = { accept: "application/json" };
  if (state.token) headers.authorization = "Bearer " + state.token;
  if (options && options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method: (options && options.method) || "GET", headers, credentials: "omit", cache: "no-store",
    body: options && options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (response.status === 401) {
    $("token-panel").hidden = false;
    throw new ApiError(401, (data && data.error) || "the service needs its API token");
  }
  if (!response.ok) throw new ApiError(response.status, (data && data.error) || ("HTTP " + response.status));
  return data;
}

// --- canonical JSON and encodings ---------------------------------------------------------------

function canonicalJson(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("cannot sign a non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  // Python sorts keys by code point; JS sorts strings by UTF-16 unit, identical for the ASCII keys used here.
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
}

function bytesToBase64(bytes) {
  let binary = "";
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

function base64ToBytes(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// ISO 8601 UTC in whole seconds, as openclaw.approvals.digest.iso_utc writes it.
function isoSeconds(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function serverNow() { return Date.now() + state.offsetMs; }

// --- keys ------------------------------------------------------------------------------------

function pemToDer(pem) {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) throw new Error("not a PKCS#8 PEM private key (expected -----BEGIN PRIVATE KEY-----, as `openclaw keys generate` writes)");
  try { return base64ToBytes(match[1].replace(/\s+/g, "")); } catch (_) { throw new Error("the PEM key is not valid base64"); }
}

// The raw 32-byte Ed25519 key inside an OpenSSH "ssh-ed25519 AAAA... name" line.
function sshPublicKeyBytes(line) {
  const blob = base64ToBytes(line.trim().split(/\s+/)[1]);
  const view = new DataView(blob.buffer);
  const typeLength = view.getUint32(0);
  const keyLength = view.getUint32(4 + typeLength);
  return blob.slice(8 + typeLength, 8 + typeLength + keyLength);
}

async function identify(privateKey) {
  // Which registered approver holds this key: a probe signed here verifies under exactly one public key.
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, privateKey, probe);
  const { approvers } = await api("/v1/approvers");
  for (const approver of approvers) {
    const publicKey = await crypto.subtle.importKey("raw", sshPublicKeyBytes(approver.public_key), { name: "Ed25519" }, false, ["verify"]);
    if (await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, probe)) {
      return { name: approver.name, fingerprint: approver.fingerprint };
    }
  }
  throw new Error(approvers.length
    ? "this key is not registered in approvers.yaml; register its .pub with `openclaw approvers add NAME --public-key FILE`"
    : "no approvers are registered yet; register with `openclaw approvers add NAME --public-key FILE`");
}

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(DB_STORE, { keyPath: "id" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function dbDo(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const request = action(db.transaction(DB_STORE, mode).objectStore(DB_STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally { db.close(); }
}

async function importKey(pem) {
  const key = await crypto.subtle.importKey("pkcs8", pemToDer(pem), { name: "Ed25519" }, false, ["sign"]);
  const who = await identify(key);
  state.signer = { id: SIGNER_ID, key, name: who.name, fingerprint: who.fingerprint };
  await dbDo("readwrite", (store) => store.put(state.signer));
}

async function forgetKey() {
  state.signer = null;
  await dbDo("readwrite", (store) => store.delete(SIGNER_ID));
}

function showSigner() {
  const signer = state.signer;
  $("key-none").hidden = Boolean(signer);
  $("key-loaded").hidden = !signer;
  $("key-name").textContent = signer ? signer.name : "";
  $("key-fingerprint").textContent = signer ? signer.fingerprint : "";
}

// --- signing -------------------------------------------------------------------------------

// The digest of the action as shown (openclaw/approvals/digest.py): sha256 hex of the canonical JSON of
// the action, the run, the request's nonce, cluster, policy version and expiry.
async function actionDigest(run, action) {
  const request = action.request || {};
  const payload = {
    domain: DIGEST_DOMAIN, run_id: run.run_id, action_index: action.index,
    action: { name: action.name, args: action.args },
    nonce: request.nonce, cluster: request.cluster, policy_version: request.policy_version, expires_at: request.expires_at,
  };
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(payload)));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function signDecision(kind, run, action, reason) {
  if (!state.signer) throw new Error("import your signing key first");
  if (await actionDigest(run, action) !== action.digest) {
    throw new Error("the digest " + action.digest.slice(0, 12) + "... is not the digest of the action shown; not signed");
  }
  if (action.expired || serverNow() >= Date.parse(action.expires_at)) {
    throw new Error("this request expired at " + action.expires_at + "; it can no longer be signed");
  }
  const now = serverNow();
  const decision = {
    kind, run_id: run.run_id, action_index: action.index, digest: action.digest,
    approver: state.signer.name, key_fingerprint: state.signer.fingerprint,
    reason: kind === "reject" ? reason : null,
    signed_at: isoSeconds(now), expires_at: isoSeconds(now + DECISION_TTL_S * 1000),
  };
  const payload = new TextEncoder().encode(SIGNATURE_DOMAIN + canonicalJson(decision));
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, state.signer.key, payload);
  return { ...decision, signature: bytesToBase64(signature) };
}

async function decide(kind, run, action, outcome, reasonInput) {
  const reason = reasonInput ? reasonInput.value.trim() : null;
  if (kind === "reject" && !reason) {
    outcome.textContent = "a rejection needs a reason";
    outcome.className = "outcome outcome-error";
    return;
  }
  outcome.textContent = "signing...";
  outcome.className = "outcome";
  try {
    const signed = await signDecision(kind, run, action, reason);
    const endpoint = kind === "approve" ? "approvals" : "rejections";
    const answer = await api("/v1/runs/" + encodeURIComponent(run.run_id) + "/" + endpoint, { method: "POST", body: signed });
    say(answer.message || "counted");
    await refresh();
  } catch (error) {
    outcome.textContent = "refused: " + error.message;
    outcome.className = "outcome outcome-error";
  }
}

// --- rendering -------------------------------------------------------------------------------

// One evidence record of the run result ({id, round, kind, name, args, status, finding, guess, why}):
// the read, what it found, and whether the decision rests on it; the whole record under "details".
function evidenceItem(item, index, restsOn) {
  if (typeof item !== "object" || item === null) return el("li", {}, String(item));
  const read = [item.id, item.name, item.args ? canonicalJson(item.args) : null].filter(Boolean).join(" ");
  const label = (read || item.kind || "evidence " + (index + 1)) + (item.status ? " (" + item.status + ")" : "");
  const rests = Boolean(item.id) && restsOn.includes(item.id);
  return el("li", { class: rests ? "rests-on" : null, "data-evidence": item.id },
    el("details", {},
      el("summary", {}, label, item.finding ? ": " + item.finding : "", item.guess ? " [a guess]" : "",
        rests ? " · the decision rests on this" : ""),
      el("pre", {}, JSON.stringify(item, null, 2))));
}

function renderAction(run, action) {
  const outcome = el("p", { class: "outcome", role: "status" });
  const reasonInput = el("input", { type: "text", class: "reason", placeholder: "reason for rejecting", "aria-label": "reason" });
  const expired = action.expired || serverNow() >= Date.parse(action.expires_at);
  const approvals = action.approvals || [];
  const signedByMe = Boolean(state.signer) && approvals.some((a) => a.approver === state.signer.name);
  const buttons = expired
    ? [el("p", { class: "expired" }, "Expired at " + action.expires_at + ": this request can no longer be signed.")]
    : [
      el("button", { type: "button", class: "approve", disabled: !state.signer || signedByMe, onclick: () => decide("approve", run, action, outcome) },
        signedByMe ? "Approved by you" : "Approve"),
      reasonInput,
      el("button", { type: "button", class: "reject", disabled: !state.signer, onclick: () => decide("reject", run, action, outcome, reasonInput) }, "Reject"),
    ];
  return el("div", { class: "action", "data-run": run.run_id, "data-index": action.index },
    el("h4", {}, "#" + action.index + " ", el("code", {}, action.name + " " + canonicalJson(action.args))),
    el("p", {},
      "Risk ", el("span", { class: action.risk >= 0.7 ? "risk risk-high" : "risk" }, action.risk === null ? "?" : String(action.risk)),
      " · needs " + action.approvals_required + " approval(s)" + (action.tier ? " (tier " + action.tier + (action.group ? ", group " + action.group : "") + ")" : ""),
      " · expires " + action.expires_at),
    el("ul", { class: "reasons" }, (action.reasons || []).map((r) => el("li", {}, r))),
    el("p", { class: "approvals" }, "Approvals so far: " +
      (approvals.length ? approvals.map((a) => a.approver + " at " + a.at).join(", ") : "none")),
    el("p", {}, "Digest ", el("code", { class: "digest" }, action.digest)),
    buttons, outcome);
}

function renderRun(run) {
  const incident = run.incident || {};
  const evidence = run.evidence || [];
  return el("article", { class: "run", id: "run-" + run.run_id, "data-run": run.run_id },
    el("h3", {}, incident.title || incident.description || run.incident_id),
    el("p", {}, "Run ", el("code", {}, run.run_id), " · incident ", el("code", {}, run.incident_id || "?"),
      incident.severity ? " · " + incident.severity : "",
      incident.requested_by ? " · requested by " + incident.requested_by : "",
      " · since " + run.created_at),
    incident.title && incident.description ? el("p", {}, incident.description) : null,
    run.subject && run.subject.kind ? el("p", { class: "subject" }, "Subject: " + run.subject.kind + " " +
      [run.subject.namespace, run.subject.name].filter(Boolean).join("/")) : null,
    run.decision_reply ? el("p", { class: "reply" }, run.decision_reply) : null,
    el("h4", {}, "Evidence"),
    evidence.length ? el("ul", { class: "evidence" }, evidence.map((item, i) => evidenceItem(item, i, run.rests_on || [])))
      : el("p", {}, "No evidence recorded."),
    run.actions.map((action) => renderAction(run, action)));
}

function render() {
  const runs = $("runs");
  runs.replaceChildren(...state.queue.map(renderRun));
  $("empty").hidden = state.queue.length > 0;
  if (state.focusRun) {
    const target = document.getElementById("run-" + state.focusRun);
    if (target) target.scrollIntoView();
    state.focusRun = null;
  }
}

async function refresh() {
  try {
    const queue = await api("/v1/approvals/queue");
    state.offsetMs = Date.parse(queue.now) - Date.now();
    state.queue = queue.runs;
    $("token-panel").hidden = true;
    render();
    document.body.dataset.loaded = "true";
  } catch (error) {
    say(error.message, true);
  }
}

// --- start -----------------------------------------------------------------------------------

function readFragment() {
  // A link like /ui/#token=...&run=run-... : the fragment never reaches the server; the token is then
  // kept in this tab's sessionStorage and removed from the address bar.
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("token")) {
    state.token = params.get("token");
    sessionStorage.setItem(TOKEN_KEY, state.token);
  }
  state.focusRun = params.get("run");
  history.replaceState(null, "", location.pathname + (state.focusRun ? "#run=" + encodeURIComponent(state.focusRun) : ""));
}

async function start() {
  readFragment();
  $("token-save").addEventListener("click", () => {
    state.token = $("token-input").value.trim();
    sessionStorage.setItem(TOKEN_KEY, state.token);
    $("token-input").value = "";
    refresh();
  });
  $("key-file").addEventListener("change", async () => {
    const file = $("key-file").files[0];
    if (file) $("key-pem").value = await file.text();
  });
  $("key-import").addEventListener("click", async () => {
    try {
      await importKey($("key-pem").value);
      $("key-pem").value = "";
      $("key-file").value = "";
      say("key imported for " + state.signer.name);
    } catch (error) {
      say("cannot import the key: " + error.message, true);
    }
    showSigner();
    render();
  });
  $("key-forget").addEventListener("click", async () => {
    await forgetKey();
    say("key forgotten");
    showSigner();
    render();
  });
  $("refresh").addEventListener("click", refresh);
  try { state.signer = (await dbDo("readonly", (store) => store.get(SIGNER_ID))) || null; } catch (_) { state.signer = null; }
  showSigner();
  await refresh();
}

start();
