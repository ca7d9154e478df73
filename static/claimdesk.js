// Progressive enhancement only: every page works without this script.
// Asks before moves that are hard to undo, and remembers nothing.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const to = form.querySelector('input[name="to"]');
  if (to && (to.value === "approved" || to.value === "dismissed")) {
    const question = to.value === "approved" ? "Approve this verdict for publication?" : "Dismiss this claim as not check-worthy?";
    if (!window.confirm(question)) event.preventDefault();
  }
});
