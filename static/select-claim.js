// On an article page: selecting text in the article body offers to add it as a claim. It fills
// the "add a missed claim" form with the selection and sends it, the same request as pasting
// the sentence by hand (the server finds the span), so the page works without this script.
(() => {
  const body = document.getElementById("article-body");
  const form = document.getElementById("add-claim-form");
  if (!body || !form) return;
  const field = form.querySelector("textarea[name=text]");
  const offer = document.createElement("button");
  offer.type = "button";
  offer.id = "add-selection";
  offer.className = "add-selection";
  offer.textContent = "Add the selected text as a claim";
  offer.hidden = true;
  body.after(offer);

  const selectedText = () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return "";
    const range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return "";
    return selection.toString().trim();
  };

  document.addEventListener("selectionchange", () => {
    offer.hidden = selectedText() === "";
  });

  offer.addEventListener("click", () => {
    const text = selectedText();
    if (text === "") return;
    field.value = text;
    form.requestSubmit();
  });
})();
