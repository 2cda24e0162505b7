import { describe, expect, it } from "vitest";
import { cssFont, fitWorld, placeShape, textPlacement, toCanvas } from "../src/viz/geometry";
import {
  headingChange,
  moveDurationMs,
  Pacer,
  polylineLength,
  polylinePrefix,
  turnDurationMs,
  type Motion,
} from "../src/viz/pacing";
import { DEFAULT_SCREEN, Scene } from "../src/viz/scene";
import { advance, SPEEDS } from "../src/viz/timeline";
import { parseTurtleOps, parseWireOp, type WireOp } from "../src/viz/wire";

/** Parses ops written the way the runtime sends them. */
const ops = (...raw: unknown[]): WireOp[] => parseTurtleOps({ v: 1, ops: raw });

describe("wire format", () => {
  it("parses each kind of op", () => {
    const parsed = ops(
      ["screen", 1, { w: 800, h: 600, bg: "#ffffff", title: "Python Turtle Graphics" }],
      ["turtle", 3, { vis: true, x: 0, y: 0, h: 0, parts: [[[0, 0, -5, -9, 0, -7, 5, -9], "#000000", "#000000"]], w: 1, img: null, cv: 1 }],
      ["speed", 3, 10],
      ["line", 4, 1, [0, 0, 100, 0], "#ff0000", 3],
      ["lineto", 4, 100, 100, 0, 100],
      ["poly", 5, 1, [0, 0, 100, 0, 100, 100], "#ffd700", "", 1, { before: 4 }],
      ["text", 6, 1, -51, -50, "Hi 你好", "sw", "#ff0000", ["Arial", 16, "bold"]],
      ["image", 7, 1, 0, 0, "pyimage1"],
      ["bitmap", "pyimage1", "image/gif", "R0lGODlh", 16, 16],
      ["coords", 4, [0, 0, 1, 1]],
      ["cfg", 4, { fill: "#00ff00", width: 2 }],
      ["raise", 4],
      ["lower", 4],
      ["del", 5, 6],
      ["clear", 1],
      ["sleep", 250],
    );
    expect(parsed.map((op) => op.op)).toEqual([
      "screen", "turtle", "speed", "line", "lineto", "poly", "text", "image", "bitmap",
      "coords", "cfg", "raise", "lower", "del", "clear", "sleep",
    ]);
    expect(parsed[1]).toMatchObject({ op: "turtle", id: 3, canvas: 1, changes: { vis: true, h: 0, w: 1, img: null } });
    expect(parsed[4]).toEqual({ op: "lineto", id: 4, pts: [100, 100, 0, 100] });
    // "" is Tk's "no colour".
    expect(parsed[5]).toMatchObject({ fill: "#ffd700", outline: null, place: { before: 4 } });
    expect(parsed[6]).toMatchObject({ text: "Hi 你好", anchor: "sw", font: ["Arial", 16, "bold"] });
  });

  it("drops malformed and unknown ops instead of failing the frame", () => {
    expect(
      ops(
        ["line", 4, 1, [0, 0, 100], "#ff0000", 3], // odd number of coordinates
        ["lineto", "x", 1, 2],
        ["turtle", 3, "nope"],
        ["teleport", 1],
        "not an op",
        ["sleep", -5],
        ["speed", 6, 10],
      ),
    ).toEqual([{ op: "speed", speed: 6, delay: 10 }]);
    expect(parseTurtleOps({ v: 1, ops: "x" })).toEqual([]);
  });

  it("refuses a format version it doesn't know", () => {
    expect(parseTurtleOps({ v: 2, ops: [["sleep", 5]] })).toEqual([]);
    expect(parseTurtleOps({ ops: [["sleep", 5]] })).toEqual([]);
  });

  it("reads the short forms of cursor changes, and scale", () => {
    expect(ops(["tpos", 3, 100, 50], ["thead", 3, 90], ["scale", 1, 2, 0.5])).toEqual([
      { op: "turtle", id: 3, canvas: null, changes: { x: 100, y: 50 } },
      { op: "turtle", id: 3, canvas: null, changes: { h: 90 } },
      { op: "scale", canvas: 1, xf: 2, yf: 0.5 },
    ]);
  });

  it("never lets a colour through that isn't a hex colour", () => {
    expect(parseWireOp(["line", 1, 1, [0, 0, 1, 1], "url(javascript:x)", 1])).toMatchObject({ fill: null });
  });

  it("reads the canvas of a cursor from either place", () => {
    expect(parseWireOp(["turtle", 3, 1, { x: 5 }])).toMatchObject({ canvas: 1, changes: { x: 5 } });
    expect(parseWireOp(["turtle", 3, { x: 5 }])).toMatchObject({ canvas: null });
  });
});

describe("scene", () => {
  const build = (...raw: unknown[]) => {
    const scene = new Scene();
    for (const op of ops(...raw)) scene.apply(op);
    return scene;
  };

  it("grows a line with lineto and keeps stacking order", () => {
    const scene = build(
      ["line", 4, 1, [0, 0, 100, 0], "#ff0000", 3],
      ["lineto", 4, 100, 100],
      // The fill is created after its outline but goes beneath it.
      ["poly", 5, 1, [0, 0, 100, 0, 100, 100], "#ffd700", "", 1, { before: 4 }],
      ["text", 6, 1, 0, 0, "hi", "sw", "#000000", ["Arial", 8, ""]],
    );
    expect(scene.items.map((i) => i.id)).toEqual([5, 4, 6]);
    expect(scene.find(4)!.pts).toEqual([0, 0, 100, 0, 100, 100]);
  });

  it("raises, lowers, reconfigures, moves and deletes items", () => {
    const scene = build(
      ["line", 1, 1, [0, 0, 1, 0], "#ff0000", 1],
      ["line", 2, 1, [0, 0, 2, 0], "#00ff00", 1],
      ["line", 3, 1, [0, 0, 3, 0], "#0000ff", 1],
      ["raise", 1],
      ["lower", 3],
      ["cfg", 2, { fill: "#123456", width: 7, text: "ignored on a line" }],
      ["coords", 2, [5, 5, 6, 6]],
      ["del", 1],
    );
    expect(scene.items.map((i) => i.id)).toEqual([3, 2]);
    expect(scene.find(2)).toEqual({ kind: "line", id: 2, canvas: 1, pts: [5, 5, 6, 6], fill: "#123456", width: 7 });
  });

  it("updates cursors from partial changes, and clear removes everything", () => {
    const scene = build(
      ["screen", 1, { w: 400, h: 300, bg: "#000080" }],
      ["turtle", 3, { vis: true, x: 0, y: 0, h: 0, parts: [], w: 1, cv: 1 }],
      ["turtle", 3, { x: 100 }],
      ["turtle", 3, { h: 90 }],
      ["line", 4, 1, [0, 0, 100, 0], "#ff0000", 3],
    );
    expect(scene.turtles.get(3)).toMatchObject({ visible: true, x: 100, y: 0, heading: 90 });
    expect(scene.screen).toMatchObject({ width: 400, height: 300, background: "#000080" });
    scene.apply(parseWireOp(["clear", 1])!);
    expect(scene.items).toEqual([]);
    expect(scene.turtles.size).toBe(0);
  });

  it("shows the canvas opened last, as CPython opens a new window after bye()", () => {
    const scene = build(
      ["screen", 1, { w: 500 }],
      ["line", 4, 1, [0, 0, 1, 1], "#ff0000", 1],
      ["screen", 1, { closed: true }],
      ["screen", 2, { w: 300 }],
      ["line", 5, 2, [0, 0, 2, 2], "#00ff00", 1],
    );
    expect(scene.visibleItems().map((i) => i.id)).toEqual([5]);
    expect(scene.screen.width).toBe(300);
    expect(new Scene().screen).toEqual(DEFAULT_SCREEN);
  });

  it("stretches what is drawn on a later setworldcoordinates()", () => {
    const scene = build(["line", 4, 1, [10, 10, 20, -20], "#ff0000", 1], ["scale", 1, 2, 0.5]);
    expect(scene.find(4)!.pts).toEqual([20, 5, 40, -10]);
  });

  it("keeps a cursor's canvas when short forms follow", () => {
    const scene = build(["screen", 1, {}], ["turtle", 3, { vis: true, x: 0, y: 0, h: 0, cv: 1 }], ["tpos", 3, 7, 8], ["thead", 3, 45]);
    expect(scene.visibleTurtles()).toMatchObject([{ id: 3, canvas: 1, x: 7, y: 8, heading: 45 }]);
  });
});

describe("pacing", () => {
  it("times a move the way CPython's turtle animates it", () => {
    // Speed 3: 3 · 1.1³ · 3 ≈ 11.98 px per screen update, 10 ms each.
    expect(moveDurationMs(100, 3, 10)).toBe(90);
    // Speed 10 takes bigger steps; speed 0 doesn't animate.
    expect(moveDurationMs(100, 10, 10)).toBe(20);
    expect(moveDurationMs(100, 0, 10)).toBe(0);
    expect(moveDurationMs(0, 3, 10)).toBe(0);
  });

  it("measures and cuts polylines by length", () => {
    expect(polylineLength([0, 0], [3, 4, 3, 10])).toBe(11);
    expect(polylinePrefix([0, 0], [10, 0, 10, 10], 0.25)).toEqual([5, 0]);
    expect(polylinePrefix([0, 0], [10, 0, 10, 10], 0.75)).toEqual([10, 0, 10, 5]);
    expect(polylinePrefix([0, 0], [10, 0, 10, 10], 1)).toEqual([10, 0, 10, 10]);
  });

  const plan = (...raw: unknown[]): Motion[] => {
    const pacer = new Pacer();
    return ops(...raw).map((op) => pacer.plan(op));
  };

  it("grows pen-down moves with the cursor at the tip, and doesn't move the cursor twice", () => {
    const motions = plan(
      ["turtle", 3, { vis: true, x: 0, y: 0, h: 0, cv: 1 }],
      ["speed", 3, 10],
      ["line", 4, 1, [0, 0, 100, 0], "#ff0000", 3],
      ["turtle", 3, { x: 100 }],
      ["turtle", 3, { h: 90 }],
      ["lineto", 4, 100, 100],
      ["turtle", 3, { y: 100 }],
    );
    expect(motions.map((m) => m.kind)).toEqual(["instant", "instant", "grow", "instant", "turn", "grow", "instant"]);
    // A 90° turn at speed 3: 1 + 90 / 9 = 11 frames of 10 ms.
    expect(motions[4]).toEqual({ kind: "turn", ms: 110, turtle: 3, from: 0, by: 90 });
    expect(motions[2]).toEqual({ kind: "grow", ms: 90, start: [0, 0], added: [100, 0], turtle: 3 });
    expect(motions[5]).toMatchObject({ start: [100, 0], added: [100, 100], turtle: 3 });
  });

  it("glides a visible cursor on pen-up moves", () => {
    const motions = plan(
      ["turtle", 3, { vis: true, x: 0, y: 0, cv: 1 }],
      ["speed", 3, 10],
      ["turtle", 3, { x: -50, y: -50 }],
    );
    expect(motions[2]).toMatchObject({ kind: "glide", turtle: 3, from: [0, 0], to: [-50, -50] });
  });

  it("doesn't animate at speed 0 or for a hidden cursor, but still grows its lines", () => {
    expect(plan(["speed", 0, 10], ["line", 4, 1, [0, 0, 100, 0], "#ff0000", 1])[1]).toEqual({ kind: "instant" });
    const hidden = plan(
      ["turtle", 3, { vis: false, x: 0, y: 0, cv: 1 }],
      ["line", 4, 1, [0, 0, 100, 0], "#ff0000", 1],
      ["turtle", 3, { x: 100 }],
    );
    expect(hidden[1]).toMatchObject({ kind: "grow", turtle: null });
    expect(hidden[2]).toEqual({ kind: "instant" });
  });

  it("turns the shorter way round", () => {
    expect(headingChange(350, 10)).toBe(20);
    expect(headingChange(10, 350)).toBe(-20);
    expect(headingChange(0, 180)).toBe(180);
    expect(turnDurationMs(-20, 3, 10)).toBe(30);
    expect(turnDurationMs(90, 0, 10)).toBe(0);
  });

  it("keeps the program's pauses", () => {
    expect(plan(["sleep", 500])).toEqual([{ kind: "wait", ms: 500 }]);
  });
});

describe("timeline", () => {
  const durations = [100, 0, 50];

  it("spends time across ops, scaled by the speed setting", () => {
    let head = advance(durations, { done: 0, elapsedMs: 0 }, 50, SPEEDS.normal);
    expect(head).toEqual({ done: 0, elapsedMs: 50 });
    head = advance(durations, head, 75, SPEEDS.normal); // 50 finish op 0, op 1 is free, 25 into op 2
    expect(head).toEqual({ done: 2, elapsedMs: 25 });
    head = advance(durations, head, 10, SPEEDS.fast); // 40 ms of replay
    expect(head).toEqual({ done: 3, elapsedMs: 0 });
  });

  it("plays at half pace when slow, and all at once when instant", () => {
    expect(advance(durations, { done: 0, elapsedMs: 0 }, 100, SPEEDS.slow)).toEqual({ done: 0, elapsedMs: 50 });
    expect(advance(durations, { done: 0, elapsedMs: 0 }, 0, SPEEDS.instant)).toEqual({ done: 3, elapsedMs: 0 });
  });

  it("waits at the end for more ops", () => {
    const growing = [10];
    const head = advance(growing, { done: 0, elapsedMs: 0 }, 1000, 1);
    expect(head).toEqual({ done: 1, elapsedMs: 0 });
    growing.push(20);
    expect(advance(growing, head, 5, 1)).toEqual({ done: 1, elapsedMs: 5 });
  });
});

describe("geometry", () => {
  it("fits the world into the canvas, centred, y flipped", () => {
    const t = fitWorld(800, 600, 400, 400); // the width limits the scale to 0.5
    expect(t.scale).toBe(0.5);
    expect(toCanvas(t, 0, 0)).toEqual([200, 200]);
    expect(toCanvas(t, 400, 300)).toEqual([400, 50]);
    expect(toCanvas(t, -400, -300)).toEqual([0, 350]);
  });

  it("points a cursor shape along its heading", () => {
    // The classic arrow's tip is at (0, 0) and its body behind it (negative y).
    const body = [0, -9];
    expect(placeShape(body, 10, 20, 0)).toEqual([1, 20]); // heading east: body to the west
    const north = placeShape(body, 0, 0, 90);
    expect(north[0]).toBeCloseTo(0);
    expect(north[1]).toBeCloseTo(-9); // heading north: body to the south
  });

  it("maps Tk anchors and fonts", () => {
    expect(textPlacement("sw")).toEqual({ align: "left", baseline: "bottom" });
    expect(textPlacement("center")).toEqual({ align: "center", baseline: "middle" });
    expect(textPlacement("ne")).toEqual({ align: "right", baseline: "top" });
    expect(cssFont(["Arial", 12, "bold italic"], 1)).toBe('italic bold 16.0px "Arial", "Noto Sans CJK SC", sans-serif');
    expect(cssFont(["Courier", -20, ""], 0.5)).toBe('10.0px "Courier", "Noto Sans CJK SC", sans-serif');
  });
});
