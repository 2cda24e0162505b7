import { describe, expect, it } from "vitest";
import { FrameDeduper } from "../src/run/dedupe";
import type { ServerFrame } from "../src/run/frames";
import { RunStream, type ConnectionState, type SocketLike } from "../src/run/stream";

/** A socket the test drives by hand: open it, push messages, drop it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({});
  }
}

/** A RunStream wired to fake sockets and a timer queue the test fires by hand. */
function harness(retryDelaysMs: number[] = [10, 20]) {
  const sockets: FakeSocket[] = [];
  const timers: Array<() => void> = [];
  const frames: ServerFrame[] = [];
  const states: ConnectionState[] = [];
  const stream = new RunStream(
    "ws://test/api/run/j1/stream",
    { onFrame: (f) => frames.push(f), onConnection: (s) => states.push(s) },
    {
      openSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      retryDelaysMs,
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => {},
    },
  );
  const fireTimers = () => timers.splice(0).forEach((fn) => fn());
  const last = () => sockets[sockets.length - 1];
  const texts = () => frames.map((f) => ("data" in f ? f.data : f.type)).join("");
  return { stream, sockets, frames, states, fireTimers, last, texts };
}

const out = (data: string, seq?: number) => ({ type: "stdout", data, ...(seq ? { seq } : {}) });
const exit = (seq?: number) => ({ type: "exit", result: { status: "ok" }, ...(seq ? { seq } : {}) });

describe("FrameDeduper", () => {
  it("lets each seq through once, across connections", () => {
    const d = new FrameDeduper();
    expect([1, 2, 3].map((s) => d.accept(s))).toEqual([true, true, true]);
    d.newConnection();
    expect([1, 2, 3, 4].map((s) => d.accept(s))).toEqual([false, false, false, true]);
  });

  it("without seq, skips as many frames as were already shown", () => {
    const d = new FrameDeduper();
    expect([0, 1].map(() => d.accept(undefined))).toEqual([true, true]);
    d.newConnection();
    expect([0, 1, 2, 3].map(() => d.accept(undefined))).toEqual([false, false, true, true]);
  });

  it("passes a connection's own unnumbered frames (error replies) without disturbing seq dedupe", () => {
    const d = new FrameDeduper();
    expect([d.accept(1), d.accept(undefined), d.accept(2)]).toEqual([true, true, true]);
    d.newConnection();
    expect([d.accept(1), d.accept(2), d.accept(3)]).toEqual([false, false, true]);
  });

  it("handles a connection that drops during the replay", () => {
    const d = new FrameDeduper();
    [1, 2, 3, 4].forEach((s) => d.accept(s));
    d.newConnection();
    expect([1, 2].map((s) => d.accept(s))).toEqual([false, false]);
    d.newConnection();
    expect([1, 2, 3, 4, 5].map((s) => d.accept(s))).toEqual([false, false, false, false, true]);
  });
});

describe("RunStream", () => {
  it("shows every frame once when the socket drops mid-run (frames with seq)", () => {
    const h = harness();
    h.stream.start();
    h.last().open();
    h.last().receive(out("a", 1));
    h.last().receive(out("b", 2));
    h.last().drop();
    expect(h.states).toContain("reconnecting");
    h.fireTimers();
    expect(h.sockets).toHaveLength(2);
    expect(h.last().url).toBe("ws://test/api/run/j1/stream");
    h.last().open();
    // The server sends everything again from the start.
    h.last().receive(out("a", 1));
    h.last().receive(out("b", 2));
    h.last().receive(out("c", 3));
    h.last().receive(exit(4));
    expect(h.texts()).toBe("abcexit");
    expect(h.states[h.states.length - 1]).toBe("done");
  });

  it("shows every frame once when the socket drops mid-run (frames without seq)", () => {
    const h = harness();
    h.stream.start();
    h.last().open();
    h.last().receive({ type: "status", status: "running" });
    h.last().receive(out("a"));
    h.last().drop();
    h.fireTimers();
    h.last().open();
    h.last().receive({ type: "status", status: "running" });
    h.last().receive(out("a"));
    h.last().receive(out("b"));
    h.last().receive(exit());
    expect(h.texts()).toBe("statusabexit");
  });

  it("counts frames it cannot show, so position dedupe stays aligned", () => {
    const h = harness();
    h.stream.start();
    h.last().open();
    h.last().receive({ type: "something-new" });
    h.last().receive(out("a"));
    h.last().drop();
    h.fireTimers();
    h.last().open();
    h.last().receive({ type: "something-new" });
    h.last().receive(out("a"));
    h.last().receive(out("b"));
    expect(h.texts()).toBe("ab");
  });

  it("does not reconnect after the exit frame", () => {
    const h = harness();
    h.stream.start();
    h.last().open();
    h.last().receive(exit(1));
    h.last().drop();
    h.fireTimers();
    expect(h.sockets).toHaveLength(1);
  });

  it("gives up after the last retry and says the connection is lost", () => {
    const h = harness([10]);
    h.stream.start();
    h.last().open();
    h.last().drop();
    h.fireTimers();
    h.last().drop(); // the retry never opens
    h.fireTimers();
    expect(h.sockets).toHaveLength(2);
    expect(h.states[h.states.length - 1]).toBe("lost");
  });

  it("queues stdin typed while reconnecting and sends it, in order, once back", () => {
    const h = harness();
    h.stream.start();
    h.last().open();
    h.stream.sendStdin("first\n");
    h.last().drop();
    h.stream.sendStdin("second\n");
    h.stream.sendStdin("third\n");
    h.fireTimers();
    h.last().open();
    expect(h.sockets[0].sent.map((m) => JSON.parse(m))).toEqual([{ type: "stdin", data: "first\n" }]);
    expect(h.last().sent.map((m) => JSON.parse(m))).toEqual([
      { type: "stdin", data: "second\n" },
      { type: "stdin", data: "third\n" },
    ]);
  });

  it("sends cancel on an open socket and reports when it could not", () => {
    const h = harness();
    h.stream.start();
    expect(h.stream.sendCancel()).toBe(false);
    h.last().open();
    expect(h.stream.sendCancel()).toBe(true);
    expect(JSON.parse(h.last().sent[0])).toEqual({ type: "cancel" });
  });

  it("ignores malformed messages", () => {
    const h = harness();
    h.stream.start();
    h.last().open();
    h.last().onmessage?.({ data: "not json" });
    h.last().receive({ type: "stdout" }); // no data
    h.last().receive({ type: "exit", result: {} }); // no status
    h.last().receive(out("ok"));
    expect(h.texts()).toBe("ok");
  });
});
