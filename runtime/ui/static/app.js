// hsrun dashboard: plain JavaScript, no build step, no inline scripts (the CSP forbids them).
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

// Filters submit when a select changes.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});

// Destructive forms ask first.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// The token card: Show and Copy fetch the token (the portal's security log records it).
document.querySelectorAll("button[data-token]").forEach((button) => {
  button.addEventListener("click", async () => {
    const note = document.getElementById("token-note");
    const shown = document.getElementById("token");
    const response = await fetch(button.dataset.url, {
      method: "POST",
      headers: { "X-CSRF-Token": csrfToken() },
      credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) {
      note.textContent = body.error || "failed";
      return;
    }
    if (button.dataset.token === "show") {
      shown.textContent = body.token;
      note.textContent = "Shown (recorded in the Security log).";
    } else {
      try {
        await navigator.clipboard.writeText(body.token);
        note.textContent = "Copied (recorded in the Security log).";
      } catch (err) {
        shown.textContent = body.token;
        note.textContent = "Could not copy: the token is shown instead (recorded in the Security log).";
      }
    }
  });
});

// Runs: live. A run started anywhere shows up within a second (server-sent events).
if (document.body.dataset.page === "runs" && window.EventSource) {
  const rows = document.getElementById("runs-rows");
  const live = document.getElementById("live");
  const source = new EventSource("/runs/stream");
  source.addEventListener("open", () => { live.hidden = false; });
  source.addEventListener("error", () => { live.hidden = true; });
  source.addEventListener("runs", async () => {
    const url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const before = new Set([...rows.querySelectorAll("tr[data-run]")].map((tr) => tr.dataset.run));
    rows.innerHTML = await response.text();
    rows.querySelectorAll("tr[data-run]").forEach((tr) => {
      if (!before.has(tr.dataset.run)) tr.classList.add("new");
    });
  });
}

// A run still in flight: its page reloads when it finishes.
if (document.body.dataset.page === "run" && document.body.dataset.status === "RUNNING" && window.EventSource) {
  const source = new EventSource("/runs/stream");
  source.addEventListener("runs", (event) => {
    if (event.data === "connected") return;  // the refresh every stream opens with
    source.close();
    window.location.reload();
  });
}
