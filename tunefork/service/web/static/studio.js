// tunefork studio: small progressive enhancements, no dependencies.
// - live regions ([data-live]) refresh themselves while something runs ([data-active="true"]);
// - dataset uploads show their progress (XHR) and the API's error next to the form;
// - copy buttons, confirmations, kind help, utterance, label and error filters and sorting.
(function () {
  "use strict";

  // ---- live regions: re-fetch this page and swap the regions until nothing runs any more
  var POLL_MS = 2000;
  function regions(root) { return Array.prototype.slice.call(root.querySelectorAll("[data-live][id]")); }
  function running(root) { return regions(root).some(function (el) { return el.getAttribute("data-active") === "true"; }); }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Studio-Refresh": "1" } })
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/signin") !== -1) { window.location.reload(); return null; }
        if (response.status >= 400 && response.status < 500) { return null; } // gone or not a page: stop
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        regions(document).forEach(function (el) {
          var next = fresh.getElementById(el.id);
          if (next) { el.replaceWith(document.importNode(next, true)); }
        });
        document.dispatchEvent(new CustomEvent("studio:refreshed"));
        if (running(document)) { window.setTimeout(poll, POLL_MS); }
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 3); });
  }

  // ---- upload with progress
  function showUploadError(form, body) {
    var box = form.querySelector("[data-upload-error]");
    box.innerHTML = "";
    var strong = document.createElement("strong");
    strong.textContent = (body && body.message) || "The upload failed.";
    box.appendChild(strong);
    if (body && Array.isArray(body.details) && body.details.length) {
      var list = document.createElement("ul");
      body.details.slice(0, 50).forEach(function (detail) {
        var item = document.createElement("li");
        var label = detail.item || detail.location || "";
        item.textContent = (label ? label + ": " : "") + (detail.reason || detail.message || "");
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }
  function enhanceUpload(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      var progress = form.querySelector(".upload-progress");
      var bar = progress.querySelector("progress");
      var label = progress.querySelector("[data-progress-label]");
      var stale = form.querySelector("#upload-error");
      if (stale) { stale.remove(); }
      form.querySelector("[data-upload-error]").hidden = true;
      progress.hidden = false;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        bar.value = e.loaded / e.total;
        label.textContent = Math.round(100 * e.loaded / e.total) + "% uploaded";
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300 && body) {
          label.textContent = "Uploaded: validating…";
          window.location.assign(body.page);
          return;
        }
        if (xhr.status === 401) { window.location.reload(); return; }
        button.disabled = false;
        progress.hidden = true;
        showUploadError(form, body || { message: "The upload failed (HTTP " + xhr.status + ")." });
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        progress.hidden = true;
        showUploadError(form, { message: "The upload failed: the server could not be reached." });
      });
      xhr.send(new FormData(form));
    });
  }

  // ---- copy buttons
  function copyText(button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.textContent;
    var done = function () {
      var before = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = before; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { document.execCommand("copy"); done(); } catch (ignored) { /* the text stays selected */ }
  }

  // ---- utterance table: filter by error type, sort by WER
  function number(row, name) { return parseFloat(row.getAttribute("data-" + name) || "0"); }
  function matches(row, filter) {
    var models = row.hasAttribute("data-wer1") ? [0, 1] : [0];
    var any = function (kind) { return models.some(function (m) { return number(row, kind + m) > 0; }); };
    switch (filter) {
      case "errors": return any("s") || any("d") || any("i");
      case "sub": return any("s");
      case "del": return any("d");
      case "ins": return any("i");
      case "better": return number(row, "delta") < 0;
      case "worse": return number(row, "delta") > 0;
      case "correct": return !(any("s") || any("d") || any("i"));
      default: return true;
    }
  }
  function updateUtterances() {
    var table = document.getElementById("utterances");
    if (!table) { return; }
    var filter = document.querySelector("[data-utterance-filter]").value;
    var sort = document.querySelector("[data-utterance-sort]").value;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      if (sort === "order") { return number(a, "order") - number(b, "order"); }
      return number(b, sort) - number(a, sort) || number(a, "order") - number(b, "order");
    });
    var shown = 0;
    rows.forEach(function (row) {
      row.hidden = !matches(row, filter);
      if (!row.hidden) { shown += 1; }
      body.appendChild(row);
    });
    var count = document.querySelector("[data-utterance-count]");
    if (count) { count.textContent = "Showing " + shown + " of " + rows.length + "."; }
  }

  // ---- other tables (labels, errors): select[data-filter-for=ID] keeps the rows whose data-tags hold its
  // value ("all": every row); select[data-sort-for=ID] sorts by data-<value>, highest first (lowest first
  // when the option has data-ascending), "order" restoring the table's own order
  function updateTable(id) {
    var table = document.getElementById(id);
    if (!table || !table.tBodies[0]) { return; }
    var filter = document.querySelector('[data-filter-for="' + id + '"]');
    var sort = document.querySelector('[data-sort-for="' + id + '"]');
    var tag = filter ? filter.value : "all";
    var key = sort ? sort.value : "order";
    var ascending = sort ? sort.options[sort.selectedIndex].hasAttribute("data-ascending") : false;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) { return row.hasAttribute("data-order"); });
    rows.sort(function (a, b) {
      if (key === "order") { return number(a, "order") - number(b, "order"); }
      var difference = number(b, key) - number(a, key);
      return (ascending ? -difference : difference) || number(a, "order") - number(b, "order");
    });
    var shown = 0;
    rows.forEach(function (row) {
      var tags = (row.getAttribute("data-tags") || "").split(" ");
      row.hidden = tag !== "all" && tags.indexOf(tag) === -1;
      if (!row.hidden) { shown += 1; }
      body.appendChild(row);
    });
    var count = document.querySelector('[data-count-for="' + id + '"]');
    if (count) { count.textContent = "Showing " + shown + " of " + rows.length + "."; }
  }
  function updateTables() {
    var ids = {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-for], [data-sort-for]"), function (el) {
      ids[el.getAttribute("data-filter-for") || el.getAttribute("data-sort-for")] = true;
    });
    Object.keys(ids).forEach(updateTable);
  }

  function init() {
    // a page rendered in answer to a form post shows its own address, so reloading does not post again
    var canonical = document.body.getAttribute("data-canonical");
    if (canonical && canonical !== window.location.pathname) { window.history.replaceState(null, "", canonical); }
    if (running(document)) { window.setTimeout(poll, POLL_MS); }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), enhanceUpload);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-try]"), enhanceTry);
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-copy]");
      if (button) { copyText(button); }
    });
    document.addEventListener("submit", function (event) {
      var message = event.target.getAttribute("data-confirm");
      if (message && !window.confirm(message)) { event.preventDefault(); }
    }, true);
    // delegated, so that controls inside refreshed live regions keep working
    document.addEventListener("change", function (event) {
      var select = event.target;
      if (select.matches("select[data-engine-select]")) {
        showEngineOptions(select);
      } else if (select.matches("select[data-help-target]")) {
        var target = document.getElementById(select.getAttribute("data-help-target"));
        target.textContent = select.options[select.selectedIndex].getAttribute("data-help");
      } else if (select.matches("[data-utterance-filter], [data-utterance-sort]")) {
        updateUtterances();
      } else if (select.matches("[data-filter-for], [data-sort-for]")) {
        updateTable(select.getAttribute("data-filter-for") || select.getAttribute("data-sort-for"));
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("select[data-engine-select]"), showEngineOptions);
    updateUtterances();
    updateTables();
    document.addEventListener("studio:refreshed", function () { updateUtterances(); updateTables(); });
  }

  // "Try it" on the endpoint page: send a text, a file or a recording (MediaRecorder), show the answer and latency
  function enhanceTry(form) {
    var recorded = null;
    var recorder = null;
    var record = form.querySelector("[data-record]");
    var recordStatus = form.querySelector("[data-record-status]");
    var latency = document.getElementById("try-latency");
    var result = document.getElementById("try-result");
    if (record && !(window.MediaRecorder && navigator.mediaDevices)) { record.parentNode.hidden = true; }
    if (record) {
      record.addEventListener("click", function () {
        if (recorder && recorder.state === "recording") { recorder.stop(); return; }
        navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
          var chunks = [];
          recorder = new MediaRecorder(stream);
          recorder.ondataavailable = function (event) { chunks.push(event.data); };
          recorder.onstop = function () {
            stream.getTracks().forEach(function (track) { track.stop(); });
            recorded = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
            record.textContent = "Record again";
            recordStatus.textContent = "recorded " + Math.round(recorded.size / 1024) + " KB; Send it";
          };
          recorder.start();
          record.textContent = "Stop";
          recordStatus.textContent = "recording...";
        }).catch(function (error) { recordStatus.textContent = "cannot record: " + error.message; });
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var chosen = form.querySelector("input[type=file]");
      if (recorded && !(chosen && chosen.files.length)) { data.set("file", recorded, "recording.webm"); }
      var started = performance.now();
      latency.textContent = "Sending...";
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                           headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          var roundTrip = Math.round(performance.now() - started);
          latency.textContent = answer.ok
            ? "Answered in " + answer.body.latencyMs + " ms by the model, " + roundTrip + " ms round trip."
            : "Error: " + answer.body.message;
          result.textContent = JSON.stringify(answer.ok ? answer.body.result : answer.body, null, 2);
          result.hidden = false;
        })
        .catch(function (error) { latency.textContent = "Error: " + error.message; });
    });
  }

  // training options of one engine (data-engines) show only while a base model of that engine is chosen
  function showEngineOptions(select) {
    var engine = select.options[select.selectedIndex].getAttribute("data-engine");
    Array.prototype.forEach.call(select.form.querySelectorAll("[data-engines]"), function (field) {
      var applies = field.getAttribute("data-engines").split(" ").indexOf(engine) >= 0;
      field.hidden = !applies;
      Array.prototype.forEach.call(field.querySelectorAll("input, select"), function (input) { input.disabled = !applies; });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
