// Language choice and message lookup. Pure functions (pickLanguage, format, translate)
// are unit-tested; I18n wraps them with the remembered choice and change listeners.

import { en, zhCN, type MessageKey } from "./messages";

export type Lang = "en" | "zh-CN";
export const LANGS: readonly Lang[] = ["en", "zh-CN"];

const TABLES: Record<Lang, Record<MessageKey, string>> = { en, "zh-CN": zhCN };

export type Params = Record<string, string | number>;

/** Picks the UI language: a remembered choice wins, then the browser's list in order. */
export function pickLanguage(stored: string | null, browserLanguages: readonly string[]): Lang {
  if (stored === "en" || stored === "zh-CN") return stored;
  for (const tag of browserLanguages) {
    const lower = tag.toLowerCase();
    // Every Chinese variant gets Simplified Chinese, the only Chinese we ship.
    if (lower === "zh" || lower.startsWith("zh-")) return "zh-CN";
    if (lower === "en" || lower.startsWith("en-")) return "en";
  }
  return "en";
}

/** Replaces {name} placeholders; an unknown placeholder stays visible so it gets noticed. */
export function format(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  return format(TABLES[lang][key], params);
}

export interface LanguageStore {
  load(): string | null;
  save(lang: Lang): void;
}

export class I18n {
  private current: Lang;
  private listeners: Array<(lang: Lang) => void> = [];

  constructor(
    private readonly store: LanguageStore,
    browserLanguages: readonly string[],
  ) {
    this.current = pickLanguage(store.load(), browserLanguages);
  }

  get lang(): Lang {
    return this.current;
  }

  t(key: MessageKey, params?: Params): string {
    return translate(this.current, key, params);
  }

  set(lang: Lang): void {
    if (lang === this.current) return;
    this.current = lang;
    this.store.save(lang);
    for (const listener of this.listeners) listener(lang);
  }

  onChange(listener: (lang: Lang) => void): void {
    this.listeners.push(listener);
  }
}

/**
 * Fills every element marked with data-i18n (text), data-i18n-label (aria-label),
 * data-i18n-placeholder or data-i18n-title. Static markup stays in index.html;
 * this is rerun on every language switch.
 */
export function applyTranslations(root: ParentNode, i18n: I18n): void {
  const attrs: Array<[string, (el: HTMLElement, text: string) => void]> = [
    ["data-i18n", (el, text) => (el.textContent = text)],
    ["data-i18n-label", (el, text) => el.setAttribute("aria-label", text)],
    ["data-i18n-placeholder", (el, text) => el.setAttribute("placeholder", text)],
    ["data-i18n-title", (el, text) => el.setAttribute("title", text)],
  ];
  for (const [attr, apply] of attrs) {
    root.querySelectorAll<HTMLElement>(`[${attr}]`).forEach((el) => {
      apply(el, i18n.t(el.getAttribute(attr) as MessageKey));
    });
  }
}
