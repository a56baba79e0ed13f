// The pages' few behaviours, as progressive enhancement: every page works
// without them. Kept out of the pages so the Content-Security-Policy can
// refuse every inline script.
"use strict";

// A select that submits its form when changed (the language switch).
document.querySelectorAll("select[data-autosubmit]").forEach(select => {
  select.addEventListener("change", () => select.form.submit());
});

// A field whose text is selected on a click, ready to copy (a survey link).
document.querySelectorAll("[data-select-on-click]").forEach(field => {
  field.addEventListener("click", () => field.select());
});

// A button that copies a field's text (a survey link for a text message
// or WeChat), then shows that it did.
document.querySelectorAll("button[data-copy]").forEach(button => {
  button.addEventListener("click", () => {
    const field = document.getElementById(button.dataset.copy);
    const done = () => { document.getElementById(button.dataset.copied).hidden = false; };
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});

// A button that prints the page (the indicator report for the monthly
// analysis meeting; the print stylesheet leaves out the forms).
document.querySelectorAll("button[data-print]").forEach(button => {
  button.addEventListener("click", () => window.print());
});

// A free slot chosen in a booking form's capacity table fills the day and
// the hour.
document.querySelectorAll('[data-testid="book-free"] button.slot').forEach(button => {
  button.addEventListener("click", () => {
    const form = button.closest("form");
    form.elements.day.value = button.dataset.day;
    form.elements.hour.value = button.dataset.hour;
    form.querySelectorAll("button.slot[aria-pressed]").forEach(other => other.removeAttribute("aria-pressed"));
    button.setAttribute("aria-pressed", "true");
  });
});

// A running import: follows its progress and shows the page again when it
// has ended.
document.querySelectorAll("progress[data-import-job]").forEach(progress => {
  const done = document.getElementById("import-done");
  (function poll() {
    fetch("/api/v1/imports/" + progress.dataset.importJob, { credentials: "same-origin" })
      .then(r => r.json())
      .then(job => {
        if (job.status !== "running") { location.reload(); return; }
        if (job.report) {
          progress.max = job.report.rows;
          progress.value = job.report.done;
          done.textContent = job.report.done;
        }
        setTimeout(poll, 1000);
      })
      .catch(() => setTimeout(poll, 3000));
  })();
});
