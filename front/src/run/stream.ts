// Follows one job's WebSocket stream until its exit frame. If the socket drops before
// then (Wi-Fi hiccup, laptop lid, server restart), it reconnects and the FrameDeduper
// skips the replayed frames, so the console neither loses nor repeats output.

import { FrameDeduper } from "./dedupe";
import { decodeMessage, toFrame, type ServerFrame } from "./frames";

/** The subset of the browser WebSocket that RunStream uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(): void;
}

export type ConnectionState = "connecting" | "open" | "reconnecting" | "lost" | "done";

export interface StreamHandlers {
  onFrame(frame: ServerFrame): void;
  onConnection(state: ConnectionState): void;
}

export interface StreamOptions {
  openSocket?: (url: string) => SocketLike;
  /** Wait before each reconnect attempt; when they run out the stream is "lost". */
  retryDelaysMs?: readonly number[];
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

const OPEN = 1;
const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 3000, 4000, 5000, 5000, 5000];

export class RunStream {
  private socket: SocketLike | null = null;
  private readonly deduper = new FrameDeduper();
  private finished = false;
  private attempt = 0;
  private retryTimer: unknown = null;
  /** stdin typed while the socket was down; sent in order once it is back. */
  private pendingOut: string[] = [];

  private readonly openSocket: (url: string) => SocketLike;
  private readonly retryDelaysMs: readonly number[];
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly url: string,
    private readonly handlers: StreamHandlers,
    options: StreamOptions = {},
  ) {
    this.openSocket = options.openSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike);
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  start(): void {
    this.handlers.onConnection("connecting");
    this.connect();
  }

  /** Sends a line to the program's input(). */
  sendStdin(data: string): void {
    this.sendOrQueue(JSON.stringify({ type: "stdin", data }));
  }

  /** Asks the server to stop the job. Returns whether it went out on an open socket. */
  sendCancel(): boolean {
    if (this.socket?.readyState === OPEN) {
      this.socket.send(JSON.stringify({ type: "cancel" }));
      return true;
    }
    return false;
  }

  /** Stops following the job (the job itself keeps its own course). */
  close(): void {
    this.finish();
  }

  private connect(): void {
    const socket = this.openSocket(this.url);
    this.socket = socket;
    this.deduper.newConnection();
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.handlers.onConnection("open");
      const queued = this.pendingOut;
      this.pendingOut = [];
      for (const message of queued) socket.send(message);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || this.finished) return;
      if (typeof event.data !== "string") return;
      this.receive(event.data);
    };
    socket.onerror = () => {
      // onclose always follows; reconnecting is decided there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.finished) this.scheduleReconnect();
    };
  }

  private receive(text: string): void {
    const message = decodeMessage(text);
    if (message === null) return;
    // Every message counts for position-based dedupe, even one we can't display,
    // because the replay after a reconnect contains it too.
    const seq = typeof message.seq === "number" ? message.seq : undefined;
    if (!this.deduper.accept(seq)) return;
    const frame = toFrame(message);
    if (frame === null) return;
    this.handlers.onFrame(frame);
    if (frame.type === "exit") this.finish();
  }

  private scheduleReconnect(): void {
    const delay = this.retryDelaysMs[this.attempt];
    if (delay === undefined) {
      this.finished = true;
      this.handlers.onConnection("lost");
      return;
    }
    this.attempt += 1;
    this.handlers.onConnection("reconnecting");
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = null;
      if (!this.finished) this.connect();
    }, delay);
  }

  private sendOrQueue(message: string): void {
    if (this.finished) return;
    if (this.socket?.readyState === OPEN) this.socket.send(message);
    else this.pendingOut.push(message);
  }

  private finish(): void {
    if (this.finished && this.socket === null) return;
    const wasFinished = this.finished;
    this.finished = true;
    if (this.retryTimer !== null) this.clearTimer(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= OPEN) socket.close();
    if (!wasFinished) this.handlers.onConnection("done");
  }
}
