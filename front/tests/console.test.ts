import { describe, expect, it } from "vitest";
import { isSendingEnter } from "../src/console/enterKey";
import { tracebackStart } from "../src/console/traceback";

describe("isSendingEnter", () => {
  it("sends on a plain Enter", () => {
    expect(isSendingEnter({ key: "Enter", isComposing: false, keyCode: 13 }, false)).toBe(true);
  });

  it("never sends while an input method is composing", () => {
    expect(isSendingEnter({ key: "Enter", isComposing: true, keyCode: 13 }, false)).toBe(false);
    expect(isSendingEnter({ key: "Enter", isComposing: false, keyCode: 229 }, false)).toBe(false);
    expect(isSendingEnter({ key: "Enter", isComposing: false, keyCode: 13 }, true)).toBe(false);
  });

  it("ignores other keys", () => {
    expect(isSendingEnter({ key: "a", keyCode: 65 }, false)).toBe(false);
  });
});

describe("tracebackStart", () => {
  const tb = 'Traceback (most recent call last):\n  File "main.py", line 1, in <module>\nNameError: x\n';

  it("finds the traceback after other stderr output", () => {
    const stderr = `warning: careful\n${tb}`;
    expect(stderr.slice(tracebackStart(stderr))).toBe(tb);
  });

  it("returns -1 when there is none", () => {
    expect(tracebackStart("just a message\n")).toBe(-1);
  });

  it("keeps a chained traceback whole", () => {
    const chained = `${tb}\nDuring handling of the above exception, another exception occurred:\n\n${tb}`;
    const stderr = `note\n${chained}`;
    expect(stderr.slice(tracebackStart(stderr))).toBe(chained);
  });

  it("takes only the last of two separate tracebacks", () => {
    const stderr = `${tb}printed later\n${tb}`;
    expect(tracebackStart(stderr)).toBe(tb.length + "printed later\n".length);
  });
});
