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

// Keyboard shortcuts on the claim page, listed in its "Keyboard shortcuts" box (opened by ?).
// Keys typed into a field are left alone; Escape leaves the field.
(() => {
  const typing = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) &&
    !(el instanceof HTMLInputElement && el.type === "radio");
  const focus = (selector) => {
    const el = document.querySelector(selector);
    if (!el) return false;
    el.scrollIntoView({ block: "center" });
    el.focus();
    return true;
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (event.key === "Escape" && typing(target)) {
      target.blur();
      return;
    }
    if (typing(target)) return;
    const shortcuts = document.getElementById("shortcuts");
    if (!shortcuts) return;
    let handled = true;
    switch (event.key) {
      case "?":
        shortcuts.open = !shortcuts.open;
        if (shortcuts.open) shortcuts.scrollIntoView({ block: "nearest" });
        break;
      case "e":
        handled = focus("#ev-url");
        break;
      case "v":
        handled = focus("#verdict-form input[name=rating]:checked") || focus("#verdict-form input[name=rating]");
        break;
      case "1": case "2": case "3": case "4": case "5": case "u": {
        const value = event.key === "u" ? "unverifiable" : event.key;
        const radio = document.getElementById(`rating-${value}`);
        if (radio && document.getElementById("verdict-form").contains(document.activeElement)) {
          radio.checked = true;
          radio.dispatchEvent(new Event("change", { bubbles: true }));
          radio.focus();
        } else {
          handled = false;
        }
        break;
      }
      case "h":
        handled = focus("#history-heading");
        break;
      case "q":
        window.location.assign("/");
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  // The public label follows the chosen rating's name until someone types their own.
  document.addEventListener("change", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.name !== "rating") return;
    const label = document.getElementById("verdict-label");
    if (!label) return;
    const names = [...document.querySelectorAll("#verdict-form input[name=rating]")].map((r) => r.dataset.name);
    if (label.value.trim() === "" || names.includes(label.value)) label.value = radio.dataset.name || "";
  });
})();
