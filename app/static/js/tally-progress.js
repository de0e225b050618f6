// The tally progress page: polls the job's JSON until it is done or failed, then links the results.
(function () {
  "use strict";
  var box = document.querySelector(".tally-progress");
  if (!box) return;
  var bar = document.getElementById("tally-bar");
  var percent = document.getElementById("tally-percent");
  var stage = document.getElementById("tally-stage");
  var status = document.getElementById("tally-status");

  function show(job) {
    bar.value = job.progress;
    percent.textContent = job.progress + "%";
    stage.textContent = job.stage;
    status.dataset.status = job.status;
    if (job.status === "done") {
      status.textContent = "Done. ";
      var link = document.createElement("a");
      link.href = box.dataset.resultsUrl;
      link.textContent = "See the results";
      status.appendChild(link);
      window.location.assign(box.dataset.resultsUrl);
    } else if (job.status === "failed") {
      status.textContent = "The tally failed: " + (job.error || "unknown error");
    }
    return job.status === "done" || job.status === "failed";
  }

  function poll() {
    fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) { if (!show(job)) window.setTimeout(poll, 700); })
      .catch(function () { window.setTimeout(poll, 2000); });
  }

  if (status.dataset.status !== "done" && status.dataset.status !== "failed") poll();
})();
