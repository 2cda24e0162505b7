import { describe, expect, it } from "vitest";
import {
  applyToLooks,
  backgroundAt,
  fitWorld,
  headingOf,
  lerpPoint,
  paintOrder,
  toCanvas,
  travelLength,
  worldSizeAt,
  type TurtleLook,
  type TurtleOp,
} from "../src/viz/turtleOps";
import { advance, isComplete } from "../src/viz/turtleTimeline";

const line = (from: [number, number], to: [number, number]): TurtleOp => ({
  kind: "line",
  turtle: "t1",
  from,
  to,
  color: "red",
  width: 1,
});
const move = (from: [number, number], to: [number, number]): TurtleOp => ({ kind: "move", turtle: "t1", from, to });

describe("geometry", () => {
  it("measures travel: lines and pen-up moves take time, the rest none", () => {
    expect(travelLength(line([0, 0], [3, 4]))).toBe(5);
    expect(travelLength(move([0, 0], [0, -2]))).toBe(2);
    expect(travelLength({ kind: "dot", at: [0, 0], diameter: 5, color: "red" })).toBe(0);
    expect(travelLength({ kind: "clear" })).toBe(0);
  });

  it("interpolates along a segment and clamps the fraction", () => {
    expect(lerpPoint([0, 0], [10, 20], 0.5)).toEqual([5, 10]);
    expect(lerpPoint([0, 0], [10, 20], 2)).toEqual([10, 20]);
    expect(lerpPoint([0, 0], [10, 20], -1)).toEqual([0, 0]);
  });

  it("computes turtle headings counter-clockwise from east", () => {
    expect(headingOf([0, 0], [1, 0])).toBe(0);
    expect(headingOf([0, 0], [0, 1])).toBe(90);
    expect(headingOf([0, 0], [-1, 0])).toBe(180);
    expect(headingOf([0, 0], [0, -1])).toBe(-90);
    expect(headingOf([1, 1], [1, 1])).toBeNull();
  });

  it("fits the world into the canvas, centred, y flipped", () => {
    // 800×600 world in a 400×400 canvas: width limits the scale to 0.5.
    const t = fitWorld(800, 600, 400, 400);
    expect(t.scale).toBe(0.5);
    expect(toCanvas(t, [0, 0])).toEqual([200, 200]);
    expect(toCanvas(t, [400, 300])).toEqual([400, 50]);
    expect(toCanvas(t, [-400, -300])).toEqual([0, 350]);
  });

  it("keeps the world's shape when the canvas is wide", () => {
    const t = fitWorld(800, 600, 1600, 600);
    expect(t.scale).toBe(1);
    expect(toCanvas(t, [100, 100])).toEqual([900, 200]);
  });
});

describe("timeline", () => {
  const ops = [line([0, 0], [100, 0]), { kind: "pose", turtle: "t1", heading: 90 } as TurtleOp, line([100, 0], [100, 50])];

  it("advances by speed × time across ops", () => {
    let p = advance(ops, { done: 0, partial: 0 }, 100, 0.5);
    expect(p).toEqual({ done: 0, partial: 0.5 });
    p = advance(ops, p, 100, 0.75); // 75 units: 50 finish the first line, the turn is free, 25 of 50
    expect(p.done).toBe(2);
    expect(p.partial).toBeCloseTo(0.5);
    p = advance(ops, p, 100, 1);
    expect(p).toEqual({ done: 3, partial: 0 });
    expect(isComplete(ops, p)).toBe(true);
  });

  it("draws everything at once at instant speed", () => {
    expect(advance(ops, { done: 0, partial: 0 }, Infinity, 0)).toEqual({ done: 3, partial: 0 });
  });

  it("finishes ops that take no time even with no time passing", () => {
    const free: TurtleOp[] = [{ kind: "clear" }, { kind: "dot", at: [0, 0], diameter: 3, color: "red" }];
    expect(advance(free, { done: 0, partial: 0 }, 100, 0)).toEqual({ done: 2, partial: 0 });
  });

  it("waits at the end for more ops and then goes on", () => {
    const growing = [line([0, 0], [10, 0])];
    let p = advance(growing, { done: 0, partial: 0 }, 100, 1);
    expect(p).toEqual({ done: 1, partial: 0 });
    growing.push(line([10, 0], [30, 0]));
    p = advance(growing, p, 100, 0.1);
    expect(p).toEqual({ done: 1, partial: 0.5 });
  });
});

describe("paint order", () => {
  it("paints in order without fills or clears", () => {
    const ops = [line([0, 0], [1, 0]), line([1, 0], [1, 1])];
    expect(paintOrder(ops, 2)).toEqual([0, 1]);
    expect(paintOrder(ops, 1)).toEqual([0]);
  });

  it("paints a fill beneath the outline drawn since begin_fill", () => {
    const ops: TurtleOp[] = [
      line([0, 0], [-5, 0]), // 0: before begin_fill
      line([0, 0], [10, 0]), // 1: outline
      line([10, 0], [10, 10]), // 2: outline
      { kind: "fill", points: [[0, 0], [10, 0], [10, 10]], color: "gold", under: 1 }, // 3
      line([10, 10], [20, 20]), // 4: after
    ];
    expect(paintOrder(ops, 5)).toEqual([0, 3, 1, 2, 4]);
  });

  it("paints a fill without a begin_fill position on top", () => {
    const ops: TurtleOp[] = [line([0, 0], [1, 0]), { kind: "fill", points: [], color: "gold" }];
    expect(paintOrder(ops, 2)).toEqual([0, 1]);
  });

  it("drops everything before a clear, including a fill's anchor", () => {
    const ops: TurtleOp[] = [
      line([0, 0], [1, 0]),
      { kind: "clear" },
      line([0, 0], [2, 0]),
      { kind: "fill", points: [], color: "gold", under: 0 },
    ];
    expect(paintOrder(ops, 4)).toEqual([2, 3]);
  });
});

describe("screen state", () => {
  it("uses the latest background and world size", () => {
    const ops: TurtleOp[] = [
      { kind: "screen", background: "black" },
      { kind: "screen", width: 400, height: 400 },
      { kind: "screen", background: "navy" },
    ];
    expect(backgroundAt(ops, 0)).toBeNull();
    expect(backgroundAt(ops, 2)).toBe("black");
    expect(backgroundAt(ops, 3)).toBe("navy");
    expect(worldSizeAt(ops, 1)).toEqual({ width: 800, height: 600 });
    expect(worldSizeAt(ops, 3)).toEqual({ width: 400, height: 400 });
  });
});

describe("turtle looks", () => {
  it("follows each turtle's position, heading, visibility and colour", () => {
    const looks = new Map<string, TurtleLook>();
    applyToLooks(looks, line([0, 0], [0, 10]));
    expect(looks.get("t1")).toMatchObject({ at: [0, 10], heading: 90, color: "red", visible: true });
    applyToLooks(looks, { kind: "pose", turtle: "t1", heading: 45, visible: false });
    expect(looks.get("t1")).toMatchObject({ heading: 45, visible: false });
    applyToLooks(looks, { kind: "move", turtle: "t2", from: [0, 0], to: [-5, 0] });
    expect(looks.get("t2")).toMatchObject({ at: [-5, 0], heading: 180 });
    expect(looks.get("t1")!.at).toEqual([0, 10]);
  });
});
