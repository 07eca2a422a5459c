// entramap workbench: the page's behaviour. Plain JavaScript, no framework, no build step.
// Every value shown comes from the local API under /api/ (docs/workbench.md).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { check: null, timer: null, seq: 0 };

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || response.statusText);
  return json;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Spans from the API are byte offsets into the UTF-8 text; the page works in UTF-16 indexes.
function byteToIndex(text, byte) {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byte) {
    const cp = text.codePointAt(i);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return i;
}

// Token classes for highlighting: function names, [attributes], "strings", numbers.
function tokenClasses(text) {
  const classes = new Array(text.length).fill("");
  const patterns = [
    [/"(?:[^"\\]|\\.)*"?/g, "tok-str"],
    [/\[[^\]\n]*\]?/g, "tok-attr"],
    [/\b[A-Za-z_][A-Za-z0-9_]*(?=\s*\()/g, "tok-fn"],
    [/\b\d+(?:\.\d+)?\b/g, "tok-num"],
  ];
  for (const [re, cls] of patterns) {
    for (const m of text.matchAll(re)) {
      let free = true;
      for (let i = m.index; i < m.index + m[0].length; i++) if (classes[i]) { free = false; break; }
      if (!free) continue;
      for (let i = m.index; i < m.index + m[0].length; i++) classes[i] = cls;
    }
  }
  return classes;
}

function renderHighlight(text, diagnostics) {
  const tokens = tokenClasses(text);
  const marks = new Array(text.length).fill("");
  for (const d of diagnostics) {
    let start = byteToIndex(text, d.span.start);
    let end = byteToIndex(text, d.span.end);
    if (end <= start) end = Math.min(text.length, start + 1);
    if (start >= text.length) start = Math.max(0, text.length - 1);
    const cls = d.severity === "error" ? "squiggle-error" : "squiggle-warning";
    for (let i = start; i < end; i++) if (marks[i] !== "squiggle-error") marks[i] = cls;
  }
  let html = "";
  let i = 0;
  while (i < text.length) {
    let j = i + 1;
    while (j < text.length && tokens[j] === tokens[i] && marks[j] === marks[i]) j++;
    const cls = [tokens[i], marks[i]].filter(Boolean).join(" ");
    const chunk = escapeHtml(text.slice(i, j));
    html += cls ? `<span class="${cls}">${chunk}</span>` : chunk;
    i = j;
  }
  $("highlight").innerHTML = html + "\n";
}

function renderDiagnostics(list, diagnostics) {
  list.innerHTML = "";
  for (const d of diagnostics) {
    const li = document.createElement("li");
    li.className = d.severity;
    const where = d.line ? `${d.line}:${d.column} ` : "";
    li.innerHTML = `<span class="code">${escapeHtml(d.severity)}[${escapeHtml(d.code)}]</span> ${escapeHtml(where)}${escapeHtml(d.message)}` +
      (d.label ? `<div class="label">${escapeHtml(d.label)}</div>` : "") +
      (d.help ? `<div class="help">help: ${escapeHtml(d.help)}</div>` : "");
    list.appendChild(li);
  }
}

function userInput() {
  const text = $("user").value.trim();
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    $("user-error").textContent = "";
    return value;
  } catch (e) {
    $("user-error").textContent = `The user is not JSON: ${e.message}`;
    return null;
  }
}

async function checkAndEvaluate() {
  const seq = ++state.seq;
  const text = $("expression").value;
  renderHighlight(text, []);
  let check;
  try {
    check = await api("/api/check", { expression: text });
  } catch (e) {
    $("check-status").textContent = e.message;
    return;
  }
  if (seq !== state.seq) return;
  state.check = check;
  renderHighlight(text, check.diagnostics);
  renderDiagnostics($("diagnostics"), check.diagnostics);
  $("check-status").textContent = check.ok
    ? (check.warnings ? `${check.warnings} warning(s)` : "no problems")
    : `${check.errors} error(s)`;
  await evaluate(seq);
}

async function evaluate(seq) {
  const input = userInput();
  const result = $("result");
  if (input === null) return;
  if (state.check && !state.check.ok) {
    result.innerHTML = `<span class="failed">Fix the expression's errors to see its value.</span>`;
    $("trace").innerHTML = "";
    return;
  }
  let answer;
  try {
    answer = await api("/api/eval", { expression: $("expression").value, input });
  } catch (e) {
    result.innerHTML = `<span class="failed">${escapeHtml(e.message)}</span>`;
    return;
  }
  if (seq !== undefined && seq !== state.seq) return;
  if (!answer.evaluationSucceeded) {
    result.innerHTML = `<span class="failed">${escapeHtml(answer.error ? answer.error.message : "evaluation failed")}</span>`;
  } else if (answer.evaluationResult.length === 0) {
    result.innerHTML = `<span class="null">Null: nothing flows to the attribute</span>`;
  } else if (answer.evaluationResult.length === 1) {
    result.textContent = answer.evaluationResult[0];
  } else {
    result.textContent = JSON.stringify(answer.evaluationResult);
  }
  renderTrace(answer.trace);
}

// The trace comes in evaluation order with depths; the tree puts each sub-expression under
// the call it is an argument of.
function renderTrace(trace) {
  const root = { children: [] };
  const stack = [root];
  for (const entry of [...trace].sort((a, b) => a.span.start - b.span.start || a.depth - b.depth)) {
    const node = { entry, children: [] };
    while (stack.length > entry.depth + 1) stack.pop();
    stack[stack.length - 1].children.push(node);
    stack.push(node);
  }
  const build = (node) => {
    const label = `<code>${escapeHtml(node.entry.text)}</code> → <span class="value">${escapeHtml(node.entry.value)}</span>`;
    if (!node.children.length) {
      const div = document.createElement("div");
      div.className = "node";
      div.innerHTML = label;
      return div;
    }
    const details = document.createElement("details");
    details.open = node.entry.depth < 2;
    details.innerHTML = `<summary>${label}</summary>`;
    for (const child of node.children) details.appendChild(build(child));
    return details;
  };
  const container = $("trace");
  container.innerHTML = "";
  for (const node of root.children) container.appendChild(build(node));
}

async function loadUsers() {
  const { users, total } = await api("/api/users");
  const pick = $("user-pick");
  users.forEach((user, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = user.userPrincipalName || user.displayName || user.objectId || `user ${i + 1}`;
    pick.appendChild(option);
  });
  if (total > users.length) {
    const option = document.createElement("option");
    option.disabled = true;
    option.textContent = `(${total - users.length} more not listed)`;
    pick.appendChild(option);
  }
  pick.addEventListener("change", () => {
    if (pick.value === "") return;
    $("user").value = JSON.stringify(users[Number(pick.value)], null, 2);
    onUserChanged();
  });
}

async function loadMapping(name) {
  const mapping = await api(name ? `/api/mapping?name=${encodeURIComponent(name)}` : "/api/mapping");
  const pick = $("mapping-pick");
  if (!pick.options.length) {
    const names = [mapping.started_with, ...mapping.builtin.filter((n) => n !== mapping.started_with)];
    for (const n of names) {
      const option = document.createElement("option");
      option.value = n;
      option.textContent = n;
      pick.appendChild(option);
    }
    pick.addEventListener("change", () => loadMapping(pick.value).catch(showMappingError));
  }
  pick.value = mapping.name;
  $("mapping-description").textContent = mapping.description || "";
  const findings = mapping.findings.map((f) => ({ ...f.diagnostic, line: 0, message: `${f.place}: ${f.diagnostic.message}` }));
  renderDiagnostics($("findings"), findings.length ? findings
    : [{ severity: "note", code: "clean", message: "entramap check -m finds nothing in this set." }]);
  await mapUser();
}

function showMappingError(e) {
  $("mapping-description").textContent = e.message;
}

async function mapUser() {
  const input = userInput();
  if (input === null) return;
  let answer;
  try {
    answer = await api("/api/map", { user: input, mapping: $("mapping-pick").value || undefined });
  } catch (e) {
    $("outcome").textContent = e.message;
    $("requests-legacy").textContent = "";
    $("requests-flagged").textContent = "";
    return;
  }
  const body = $("attributes").querySelector("tbody");
  body.innerHTML = "";
  for (const a of answer.attributes) {
    const row = document.createElement("tr");
    const flows = a.value && a.value.type !== "nothing";
    row.innerHTML = `<td><code>${escapeHtml(a.target)}</code></td><td><code>${escapeHtml(a.source || "")}</code></td>` +
      `<td class="${flows ? "" : "nothing"}">${escapeHtml(shownValue(a))}</td>`;
    body.appendChild(row);
  }
  const lines = (list) => list.map((r) => JSON.stringify(r, null, 2)).join("\n\n");
  $("requests-legacy").textContent = lines(answer.requests["legacy-scim"] || []);
  $("requests-flagged").textContent = lines(answer.requests["aadOptscim062020"] || []);
  const outcome = answer.outcome || {};
  $("outcome").textContent = answer.error ? `(failed: ${answer.error.code}: ${answer.error.reason})`
    : outcome.reason ? `(${outcome.outcome}: ${outcome.reason})` : `(${outcome.outcome})`;
  renderDiagnostics($("map-warnings"), answer.warnings.map((w) => ({ severity: "warning", code: "record", message: w })));
}

function onUserChanged() {
  evaluate();
  mapUser();
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(checkAndEvaluate, 120);
}

async function copy(button, text) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch (e) {
    button.textContent = "Cannot copy here";
  }
  setTimeout(() => { button.textContent = button.dataset.label; }, 1200);
}

document.addEventListener("DOMContentLoaded", () => {
  const editor = $("expression");
  editor.addEventListener("input", schedule);
  editor.addEventListener("change", schedule);
  editor.addEventListener("scroll", () => { $("highlight").scrollTop = editor.scrollTop; });
  $("user").addEventListener("input", () => { clearTimeout(state.userTimer); state.userTimer = setTimeout(onUserChanged, 200); });
  for (const [id, pick] of [["copy-canonical", (c) => c.canonical], ["copy-graph", (c) => JSON.stringify(c.graph, null, 2)]]) {
    const button = $(id);
    button.dataset.label = button.textContent;
    button.addEventListener("click", () => { if (state.check && state.check.canonical) copy(button, pick(state.check)); });
  }
  checkAndEvaluate();
  loadUsers().catch((e) => { $("user-error").textContent = e.message; });
  loadMapping().catch(showMappingError);
});

// An attribute's value as the table shows it (docs/values.md): text, a list, True/False, or
// why nothing flows; an error with its code.
function shownValue(a) {
  if (a.error) return `error: ${a.error.code}`;
  const v = a.value;
  switch (v.type) {
    case "list": return v.value.join(", ");
    case "boolean": return v.value ? "True" : "False";
    case "nothing": return v.value === "dropped" ? "nothing flows (dropped)" : "nothing flows";
    default: return String(v.value);
  }
}
