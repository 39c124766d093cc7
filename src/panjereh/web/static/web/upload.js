/* Layer upload with a progress bar: the form goes to the REST upload endpoint with XMLHttpRequest (fetch
 * reports no upload progress), then the import's answer is shown: the new version, or every rejected
 * feature with its reason. The server checks everything; nothing here decides what is allowed. */
(function () {
  "use strict";
  const form = document.getElementById("upload");
  const W = JSON.parse(document.getElementById("upload-words").textContent);
  const box = document.getElementById("progress-box");
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const label = document.getElementById("progress-label");
  const out = document.getElementById("upload-result");
  const { toLatin, show } = window.panjerehDigits;  // digits.js
  const item = (t) => { const li = document.createElement("li"); li.textContent = t; return li; };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    ["base_version"].forEach((k) => { const v = toLatin(data.get(k) || "").trim(); if (v) data.set(k, v); else data.delete(k); });
    if (!data.get("crs")) data.delete("crs");
    if (!data.get("repair")) data.set("repair", "false");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", data.get("csrfmiddlewaretoken"));
    xhr.setRequestHeader("Accept", "application/json");
    box.hidden = false; bar.value = 0; label.textContent = W.uploading; out.replaceChildren();
    form.querySelector("button").disabled = true;
    xhr.upload.onprogress = (ev) => {
      if (!ev.lengthComputable) return;
      bar.value = Math.round((100 * ev.loaded) / ev.total);
      text.textContent = show(bar.value) + "٪";
    };
    xhr.upload.onload = () => { label.textContent = W.importing; bar.removeAttribute("value"); text.textContent = ""; };
    xhr.onload = () => {
      form.querySelector("button").disabled = false;
      bar.value = 100; box.hidden = true;
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = { error: { message: xhr.statusText } }; }
      if (xhr.status === 201) {
        const p = document.createElement("p");
        p.className = "ok"; p.id = "upload-ok";
        p.textContent = `${W.imported}: ${show(answer.number)} — ${show(answer.feature_count)}`;
        out.replaceChildren(p);
        return;
      }
      const err = answer.error || {};
      const head = document.createElement("p");
      head.className = "error"; head.setAttribute("role", "alert");
      head.textContent = `${xhr.status === 400 && err.code === "import_rejected" ? W.rejected : W.error}: ${err.message || xhr.status}`;
      const list = document.createElement("ol");
      list.id = "upload-errors";
      const details = err.details || {};
      (details.file || []).forEach((m) => list.append(item(typeof m === "string" ? m : JSON.stringify(m))));
      Object.entries(details).filter(([k]) => k !== "file" && k !== "total")
        .forEach(([k, msgs]) => [].concat(msgs).forEach((m) => list.append(item(`${k}: ${m}`))));
      out.replaceChildren(head, list);
      if (details.total && details.total > (details.file || []).length) {
        out.append(item(`… ${show(details.total)}`));
      }
    };
    xhr.onerror = () => { form.querySelector("button").disabled = false; box.hidden = true;
      out.replaceChildren(Object.assign(document.createElement("p"), { className: "error", textContent: W.error })); };
    xhr.send(data);
  });

  // Rolling back is one pointer move on the server (POST …/rollback/); the page then shows the new state.
  document.querySelectorAll("button.rollback").forEach((button) => button.addEventListener("click", async () => {
    const r = await fetch(`/api/v1/layers/${form.dataset.layer}/rollback/`, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
      body: JSON.stringify({ version: Number(button.dataset.version) }) });
    if (r.ok) { window.location.reload(); return; }
    const answer = await r.json().catch(() => ({}));
    const out = document.getElementById("rollback-result");
    out.className = "error";
    out.textContent = `${W.error}: ${(answer.error && answer.error.message) || r.status}`;
  }));
})();
