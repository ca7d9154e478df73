// Progressive enhancement only: every page works without this script.
// A form's buttons are disabled once it is sent, so a double click cannot post it twice
// (the second post would only meet a 409, but it is noise in the audit trail's requests).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  window.setTimeout(() => {
    for (const button of form.querySelectorAll("button")) button.disabled = true;
  }, 0);
});
