// Chinese (and Japanese, Korean) input methods use Enter to confirm the characters being
// composed. That Enter must never send the answer. Browsers disagree on how to signal
// it: Chrome and Firefox set isComposing; Safari ends the composition first and then
// sends a keydown with keyCode 229; a composition flag kept from the composition
// events covers the rest.

export interface EnterKeyEvent {
  key: string;
  isComposing?: boolean;
  keyCode?: number;
  shiftKey?: boolean;
}

/** keyCode the browser uses for keys that an input method is handling. */
const IME_PROCESS_KEY = 229;

export function isSendingEnter(event: EnterKeyEvent, composing: boolean): boolean {
  if (event.key !== "Enter") return false;
  if (composing || event.isComposing === true) return false;
  if (event.keyCode === IME_PROCESS_KEY) return false;
  return true;
}
