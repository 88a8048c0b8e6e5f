// The workbench's small enhancements; every page works without them (plain forms and links).
// Drag and drop onto an upload area, the chosen files listed, and a job's progress refreshed
// without reloading the page.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var drop = document.getElementById("drop");
  if (drop) {
    var input = drop.querySelector("input[type=file]");
    var list = document.getElementById("chosen");
    var show = function () {
      if (!list) { return; }
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name;  // text, never markup
        list.appendChild(item);
      });
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
  }

  var job = document.getElementById("job");
  if (job && job.dataset.state === "running") {
    // Refresh the bar in place; the page's own refresh (meta) is removed so it does not jump.
    var meta = document.querySelector("meta[http-equiv=refresh]");
    if (meta) { meta.parentNode.removeChild(meta); }
    var bar = document.getElementById("job-progress");
    var tick = function () {
      fetch("/jobs/" + job.dataset.job + ".json", { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.state !== "running") { window.location.reload(); return; }
          if (bar) { bar.max = data.total || 1; bar.value = data.done; }
          var count = document.getElementById("job-count");
          if (count) { count.textContent = data.done + "/" + data.total; }
          window.setTimeout(tick, 700);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    };
    window.setTimeout(tick, 500);
  }
});
