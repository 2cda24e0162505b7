// One run at a time: create the job, follow its stream, route each frame to the part of
// the page that shows it, and end in a clear state. The DOM pieces are passed in, so
// this file holds only the run's life cycle.

import type { ApiEndpoints } from "./config";
import type { CodeEditor } from "./editor/codeEditor";
import { clearFriendlyCard, renderFriendlyCard } from "./errors/friendlyCard";
import type { OutputConsole } from "./console/outputConsole";
import type { I18n, Lang } from "./i18n/i18n";
import type { MessageKey } from "./i18n/messages";
import { cancelRun, createRun, CreateRunError, streamUrl } from "./run/api";
import type { Explanation, RunResult, ServerFrame } from "./run/frames";
import { resultMessageKey, resultStats } from "./run/resultText";
import { RunStream, type ConnectionState } from "./run/stream";
import { profileFor } from "./examples";
import { parseTurtleOps } from "./viz/wire";
import type { TurtleCanvas } from "./viz/turtleCanvas";

export type RunState = "idle" | "starting" | "queued" | "running" | "stopping" | "finished";

export interface RunView {
  editor: CodeEditor;
  output: OutputConsole;
  turtle: TurtleCanvas;
  drawingSection: HTMLElement;
  friendlyError: HTMLElement;
  /** Called whenever the visible run state changes. */
  showState(state: RunState, text: string, stats: string, outcome: string | null): void;
  /** A problem to announce that isn't the program's (network, server busy). */
  showNotice(text: string | null): void;
}

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"];

export class RunController {
  private state: RunState = "idle";
  private stream: RunStream | null = null;
  private jobId: string | null = null;
  /** Each run gets a token; late events from an older run compare unequal and are dropped. */
  private runToken = 0;
  private stderrText = "";
  private explanation: Explanation | null = null;
  /** The traceback folded out of the console into the card. */
  private traceback = "";
  private lastResult: RunResult | null = null;
  private reconnecting = false;
  /** The language the job runs with: its explanation comes in this language. */
  private runLang: Lang = "en";

  constructor(
    private readonly endpoints: ApiEndpoints,
    private readonly i18n: I18n,
    private readonly view: RunView,
  ) {
    i18n.onChange(() => this.refreshTexts());
    this.refreshTexts();
  }

  get busy(): boolean {
    return this.state !== "idle" && this.state !== "finished";
  }

  async run(): Promise<void> {
    if (this.busy) return;
    const token = ++this.runToken;
    this.resetOutput();
    this.runLang = this.i18n.lang;
    this.setState("starting");
    const code = this.view.editor.code;
    let jobId: string;
    try {
      jobId = await createRun(this.endpoints, { code, profile: profileFor(code), lang: this.runLang });
    } catch (error) {
      if (token !== this.runToken) return;
      this.view.showNotice(this.createErrorText(error));
      this.setState("idle");
      return;
    }
    if (token !== this.runToken) return;
    this.jobId = jobId;
    this.stream = new RunStream(streamUrl(this.endpoints, jobId), {
      onFrame: (frame) => token === this.runToken && this.onFrame(frame),
      onConnection: (state) => token === this.runToken && this.onConnection(state),
    });
    this.stream.start();
    if (this.state === "stopping") {
      // Stop was pressed while the job was being created.
      void cancelRun(this.endpoints, jobId);
    } else {
      this.setState("queued");
    }
  }

  stop(): void {
    if (!this.busy || this.state === "stopping") return;
    this.setState("stopping");
    this.stream?.sendCancel();
    // Also over HTTP: it works while the socket is reconnecting, and a cancel the
    // server gets twice is still one cancel.
    if (this.jobId) void cancelRun(this.endpoints, this.jobId);
  }

  sendAnswer(line: string): void {
    this.stream?.sendStdin(line);
  }

  private resetOutput(): void {
    this.stream?.close();
    this.stream = null;
    this.jobId = null;
    this.stderrText = "";
    this.explanation = null;
    this.traceback = "";
    this.lastResult = null;
    this.reconnecting = false;
    this.view.output.clear(false);
    this.view.output.setInputOpen(false);
    this.view.turtle.reset();
    this.view.drawingSection.hidden = true;
    clearFriendlyCard(this.view.friendlyError);
    this.view.editor.showErrorLine(null);
    this.view.showNotice(null);
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "status":
        if (frame.status === "running" && (this.state === "queued" || this.state === "starting")) {
          this.setState("running");
        } else if (frame.status === "queued" && this.state === "running") {
          // The server handed the job to another runner (docs/api.md): waiting again.
          this.view.output.setInputOpen(false);
          this.setState("queued");
        }
        return;
      case "stdout":
      case "stderr":
        this.markRunning();
        if (frame.type === "stderr") this.stderrText += frame.data;
        this.view.output.write(frame.type, frame.data);
        return;
      case "visualization":
        this.markRunning();
        this.showVisualization(frame);
        return;
      case "explanation":
        // Shown when the job ends: by then all of the traceback has arrived on stderr.
        this.explanation = frame;
        return;
      case "exit":
        this.finish(frame.result);
        return;
    }
  }

  /** Output proves the job runs even if its "running" status frame was missed. */
  private markRunning(): void {
    if (this.state === "queued" || this.state === "starting") this.setState("running");
  }

  private showVisualization(frame: Record<string, unknown>): void {
    if (frame.kind === "turtle") {
      const ops = parseTurtleOps(frame);
      if (ops.length === 0) return;
      this.view.drawingSection.hidden = false;
      this.view.turtle.add(ops);
      return;
    }
    if (frame.kind === "image") {
      const mime = typeof frame.mime === "string" ? frame.mime : "";
      const data = typeof frame.data === "string" ? frame.data : "";
      // Only pictures, and only base64 text, go into the data: URL.
      if (!IMAGE_TYPES.includes(mime) || !/^[A-Za-z0-9+/=\s]+$/.test(data)) return;
      const { width, height } = frame;
      const size =
        typeof width === "number" && typeof height === "number" && width > 0 && height > 0
          ? { width, height }
          : undefined;
      this.view.output.addImage(
        `data:${mime};base64,${data.replace(/\s/g, "")}`,
        (n) => this.i18n.t("output.imageAlt", { n }),
        size,
      );
    }
  }

  /** Folds the traceback out of the console into a friendly card and marks the line. */
  private showExplanation(explanation: Explanation): void {
    this.explanation = explanation;
    this.traceback = this.view.output.takeTraceback() || this.stderrText;
    this.renderCard();
    const line = typeof explanation.line === "number" ? explanation.line : null;
    this.view.editor.showErrorLine(line);
    this.view.friendlyError.scrollIntoView({ block: "nearest" });
  }

  private renderCard(): void {
    if (this.explanation) {
      renderFriendlyCard(this.view.friendlyError, this.explanation, this.traceback, this.i18n, this.runLang);
    }
  }

  private finish(result: RunResult): void {
    this.lastResult = result;
    this.stream = null;
    this.view.output.setInputOpen(false);
    this.setState("finished");
    const explanation = this.explanation ?? result.explanation ?? null;
    if (explanation) this.showExplanation(explanation);
    this.view.output.finish(this.i18n.t("output.nothing"), "output.nothing");
  }

  private onConnection(state: ConnectionState): void {
    if (state === "reconnecting" || state === "open") {
      this.reconnecting = state === "reconnecting";
      this.refreshTexts();
    } else if (state === "lost") {
      this.reconnecting = false;
      this.stream = null;
      this.view.output.setInputOpen(false);
      this.view.showNotice(this.i18n.t("error.lost"));
      this.setState("idle");
    }
  }

  private setState(state: RunState): void {
    const previous = this.state;
    this.state = state;
    if (state === "running" && previous !== "running") this.view.output.setInputOpen(true);
    this.refreshTexts();
  }

  /** Re-renders every run-related text, e.g. after the language changed. */
  private refreshTexts(): void {
    let text: string;
    let stats = "";
    let outcome: string | null = null;
    if (this.state === "finished" && this.lastResult) {
      text = this.i18n.t(resultMessageKey(this.lastResult.status));
      if (this.lastResult.truncated) text += ` ${this.i18n.t("result.truncated")}`;
      stats = resultStats(this.i18n, this.lastResult) ?? "";
      outcome = this.lastResult.status;
    } else if (this.reconnecting && this.busy) {
      text = this.i18n.t("state.reconnecting");
    } else {
      text = this.i18n.t(`state.${this.state === "finished" ? "finished" : this.state}` as MessageKey);
    }
    this.view.showState(this.state, text, stats, outcome);
    // The card's own labels follow the UI language too.
    if (this.state === "finished") this.renderCard();
  }

  private createErrorText(error: unknown): string {
    if (!(error instanceof CreateRunError)) return this.i18n.t("error.network");
    const failure = error.failure;
    switch (failure.kind) {
      case "network":
        return this.i18n.t("error.network");
      case "busy":
        return this.i18n.t("error.busy");
      case "tooBig":
        return this.i18n.t("error.tooBig");
      case "rejected":
        return this.i18n.t("error.rejected", { message: failure.message });
    }
  }
}
