// localStorage can throw (private browsing, storage full, disabled by a school policy).
// The editor must keep working then, just without remembering anything.

export const STORAGE_KEYS = {
  code: "sandpit.code.v1",
  lang: "sandpit.lang.v1",
  speed: "sandpit.drawingSpeed.v1",
} as const;

export function loadItem(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function saveItem(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Nothing sensible to do: the page still works, it just forgets on reload.
  }
}
