// The friendly error card: the runtime's kid-level explanation first, the raw
// traceback one click away in a <details>. The explanation comes in the language the
// job ran with, so the card is marked with that language for screen readers.

import type { I18n } from "../i18n/i18n";
import type { Explanation } from "../run/frames";

function textElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  el.textContent = text;
  return el;
}

/**
 * Fills `el` with `text`, where `backticks` mark code (docs/friendly-errors.md). Built
 * from text nodes and <code> elements only: the text never becomes HTML.
 */
export function appendMarkedText(el: HTMLElement, text: string): void {
  text.split("`").forEach((part, i) => {
    if (part === "") return;
    if (i % 2 === 1) {
      const code = document.createElement("code");
      code.textContent = part;
      el.append(code);
    } else {
      el.append(part);
    }
  });
}

function markedElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text: string,
): HTMLElementTagNameMap[K] {
  const el = textElement(tag, className, "");
  appendMarkedText(el, text);
  return el;
}

export function renderFriendlyCard(
  container: HTMLElement,
  explanation: Explanation,
  rawTraceback: string,
  i18n: I18n,
  jobLang: string,
): void {
  const card = document.createElement("section");
  card.className = "friendly-card";
  card.setAttribute("aria-labelledby", "friendly-card-title");
  card.lang = explanation.lang || jobLang;

  // The kicker and labels are UI strings, in the UI's language.
  const kicker = textElement("p", "friendly-kicker", i18n.t("card.heading"));
  kicker.lang = i18n.lang;
  const title = markedElement("h3", "friendly-title", explanation.title || explanation.error || "");
  title.id = "friendly-card-title";
  card.append(kicker, title);

  if (explanation.message) card.append(markedElement("p", "friendly-message", explanation.message));
  if (typeof explanation.line === "number" && explanation.line > 0) {
    card.append(textElement("p", "friendly-line", i18n.t("card.line", { line: explanation.line })));
    if (typeof explanation.code_line === "string" && explanation.code_line.trim() !== "") {
      const code = textElement("pre", "friendly-code", explanation.code_line.trim());
      code.lang = "en";
      card.append(code);
    }
  }
  if (explanation.hint) {
    const hint = textElement("p", "friendly-hint", "");
    hint.append(textElement("strong", "", i18n.t("card.hint")), " ");
    appendMarkedText(hint, explanation.hint);
    card.append(hint);
  }

  const traceback = explanation.traceback || rawTraceback;
  if (traceback.trim() !== "") {
    const details = document.createElement("details");
    details.className = "friendly-details";
    const summary = textElement("summary", "", i18n.t("card.details"));
    summary.lang = i18n.lang;
    details.append(summary);
    if (typeof explanation.details === "string" && explanation.details.trim() !== "") {
      details.append(markedElement("p", "friendly-more", explanation.details));
    }
    const pre = textElement("pre", "friendly-traceback", traceback);
    pre.lang = "en"; // Python's own messages are English.
    details.append(pre);
    card.append(details);
  }

  container.replaceChildren(card);
  container.hidden = false;
}

export function clearFriendlyCard(container: HTMLElement): void {
  container.replaceChildren();
  container.hidden = true;
}
