// dagseal UI: a little vanilla JS over server-rendered pages (see docs/ui.md).
"use strict";


// Pages with active runs reload themselves until the runs finish.
function autoRefresh() {
  const seconds = Number(document.body.dataset.autoRefresh || 0);
  if (seconds > 0) setTimeout(() => window.location.reload(), seconds * 1000);
}

// Log viewer: fetch pieces with the continuation token; keep polling while the try is live.
function logViewer() {
  const pre = document.getElementById("log");
  if (!pre) return;
  const status = document.getElementById("log-status");
  let token = null;
  let generation = 0;
  async function poll(tryNumber, mine) {
    if (mine !== generation) return;
    const query = new URLSearchParams({ map_index: pre.dataset.mapIndex });
    if (token) query.set("token", token);
    const url = pre.dataset.logUrl + tryNumber + "?" + query;
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (mine !== generation) return;
    if (!response.ok) {
      status.textContent = "log unavailable: HTTP " + response.status;
      setTimeout(() => poll(tryNumber, mine), 2000);
      return;
    }
    const piece = await response.json();
    if (piece.content.length) {
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.append(document.createTextNode(piece.content.join("\n") + "\n"));
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    }
    token = piece.continuation_token;
    status.textContent = piece.end_of_log ? "end of log" : "following the log…";
    if (!piece.end_of_log) setTimeout(() => poll(tryNumber, mine), piece.content.length ? 200 : 1000);
  }
  function show(tryNumber) {
    generation += 1;
    token = null;
    pre.textContent = "";
    pre.dataset.try = tryNumber;
    document.querySelectorAll(".try-tab").forEach((a) => a.classList.toggle("current", a.dataset.try === String(tryNumber)));
    poll(tryNumber, generation);
  }
  document.querySelectorAll(".try-tab").forEach((a) =>
    a.addEventListener("click", (event) => { event.preventDefault(); show(a.dataset.try); }));
  show(pre.dataset.try);
}

// Trigger form: the typed param fields write the conf JSON the server checks against the schema.
function triggerForm() {
  const form = document.getElementById("trigger-form");
  if (!form) return;
  const conf = document.getElementById("conf");
  const fields = form.querySelectorAll("[data-param]");
  function fill() {
    const value = {};
    for (const field of fields) {
      const type = field.dataset.type;
      if (type === "boolean") value[field.dataset.param] = field.checked;
      else if (type === "integer" || type === "number") value[field.dataset.param] = field.value === "" ? null : Number(field.value);
      else if (type === "string") value[field.dataset.param] = field.value;
      else { try { value[field.dataset.param] = JSON.parse(field.value); } catch { value[field.dataset.param] = field.value; } }
    }
    conf.value = JSON.stringify(value, null, 2);
  }
  fields.forEach((f) => f.addEventListener("input", fill));
  fields.forEach((f) => f.addEventListener("change", fill));
  if (!conf.value.trim()) fill();
}

document.addEventListener("DOMContentLoaded", () => { autoRefresh(); logViewer(); triggerForm(); });
