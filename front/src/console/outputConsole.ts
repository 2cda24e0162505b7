// The program's console: plain DOM text (no terminal emulator, which would break Chinese
// input methods), stdout and stderr styled apart, pictures inline, and a labelled answer
// field under the output while the program runs. What the kid types is echoed into the
// transcript, because the program's output never contains its input.

import { isSendingEnter } from "./enterKey";
import { tracebackStart } from "./traceback";

type Stream = "stdout" | "stderr" | "stdin";

export interface ConsoleElements {
  /** The scrolling box that holds transcript and answer field. */
  scroller: HTMLElement;
  transcript: HTMLElement;
  empty: HTMLElement;
  inputArea: HTMLElement;
  input: HTMLInputElement;
  sendButton: HTMLButtonElement;
}

/** Within this many pixels of the bottom counts as "reading the latest output". */
const STICKY_BOTTOM_PX = 48;

export class OutputConsole {
  private lastChunk: { stream: Stream; node: Text } | null = null;
  private composing = false;
  private inputOpen = false;
  private imageCount = 0;
  /** Whether the output so far ends mid-line, which is how an input() prompt looks. */
  private endsMidLine = false;

  constructor(
    private readonly el: ConsoleElements,
    private readonly onAnswer: (line: string) => void,
  ) {
    el.input.addEventListener("compositionstart", () => (this.composing = true));
    el.input.addEventListener("compositionend", () => (this.composing = false));
    el.input.addEventListener("keydown", (event) => {
      if (!isSendingEnter(event, this.composing)) return;
      event.preventDefault();
      this.sendAnswer();
    });
    el.sendButton.addEventListener("click", () => this.sendAnswer());
  }

  /** Empties the transcript; the "press Run" hint shows only before the first run. */
  clear(showHint: boolean): void {
    this.el.transcript.replaceChildren();
    this.lastChunk = null;
    this.imageCount = 0;
    this.endsMidLine = false;
    this.el.empty.hidden = !showHint;
  }

  /**
   * Removes the last Python traceback from the stderr shown, and returns it (or "").
   * The friendly card shows it instead, one click away. stdout may be interleaved
   * (Python flushes a buffered stdout after printing the traceback), so this works on
   * the stderr spans only.
   */
  takeTraceback(): string {
    const spans = Array.from(this.el.transcript.querySelectorAll<HTMLElement>(".console-stderr"));
    const texts = spans.map((span) => span.textContent ?? "");
    const start = tracebackStart(texts.join(""));
    if (start < 0) return "";
    let offset = 0;
    let taken = "";
    spans.forEach((span, i) => {
      const text = texts[i];
      const keep = Math.max(0, Math.min(text.length, start - offset));
      offset += text.length;
      if (keep === text.length) return;
      taken += text.slice(keep);
      if (keep === 0) span.remove();
      else span.textContent = text.slice(0, keep);
    });
    // The remaining text nodes changed; start a new span for anything that follows.
    this.lastChunk = null;
    return taken;
  }

  write(stream: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    this.append(stream, text);
    this.endsMidLine = !text.endsWith("\n");
    this.updateAsking();
  }

  /**
   * After a run: says so when the program printed nothing, so an empty box isn't a
   * puzzle. `messageKey` lets a language switch retranslate the note (data-i18n).
   */
  finish(nothingPrintedText: string, messageKey: string): void {
    if (this.el.transcript.childNodes.length > 0) return;
    const note = document.createElement("p");
    note.className = "console-note";
    note.dataset.i18n = messageKey;
    note.textContent = nothingPrintedText;
    this.el.transcript.append(note);
  }

  /** A picture in the transcript; width/height (when known) reserve its space early. */
  addImage(src: string, altText: (n: number) => string, size?: { width: number; height: number }): void {
    this.imageCount += 1;
    const figure = document.createElement("figure");
    figure.className = "console-figure";
    const img = document.createElement("img");
    if (size) {
      img.width = size.width;
      img.height = size.height;
    }
    img.src = src;
    img.alt = altText(this.imageCount);
    img.decoding = "async";
    img.addEventListener("load", () => this.keepBottomInView(true));
    figure.append(img);
    this.afterAppend(() => this.el.transcript.append(figure));
    this.lastChunk = null;
  }

  /** Shows or hides the answer field; it is open exactly while the program runs. */
  setInputOpen(open: boolean): void {
    this.inputOpen = open;
    this.el.inputArea.hidden = !open;
    if (!open) {
      this.el.input.value = "";
      this.el.inputArea.classList.remove("asking");
    }
    this.updateAsking();
  }

  focusInput(): void {
    if (this.inputOpen) this.el.input.focus({ preventScroll: true });
  }

  private sendAnswer(): void {
    if (!this.inputOpen) return;
    const line = this.el.input.value;
    this.el.input.value = "";
    this.append("stdin", `${line}\n`);
    this.endsMidLine = false;
    this.updateAsking();
    this.onAnswer(`${line}\n`);
  }

  /** Highlights the answer field when the output looks like a question, and focuses it. */
  private updateAsking(): void {
    const asking = this.inputOpen && this.endsMidLine;
    const wasAsking = this.el.inputArea.classList.contains("asking");
    this.el.inputArea.classList.toggle("asking", asking);
    if (asking && !wasAsking) this.focusInput();
    if (this.inputOpen) this.keepBottomInView(false);
  }

  private append(stream: Stream, text: string): void {
    this.afterAppend(() => {
      if (this.lastChunk && this.lastChunk.stream === stream && this.lastChunk.node.isConnected) {
        this.lastChunk.node.appendData(text);
        return;
      }
      const span = document.createElement("span");
      span.className = `console-${stream}`;
      const node = document.createTextNode(text);
      span.append(node);
      this.el.transcript.append(span);
      this.lastChunk = { stream, node };
    });
  }

  /** Runs a DOM change and keeps following the output if the kid was at the bottom. */
  private afterAppend(change: () => void): void {
    const wasAtBottom = this.isAtBottom();
    this.el.empty.hidden = true;
    change();
    this.keepBottomInView(wasAtBottom);
  }

  private isAtBottom(): boolean {
    const s = this.el.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= STICKY_BOTTOM_PX;
  }

  private keepBottomInView(force: boolean): void {
    if (force || this.isAtBottom()) {
      this.el.scroller.scrollTop = this.el.scroller.scrollHeight;
    }
  }
}
