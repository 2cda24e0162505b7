// How long each op takes to replay, so a drawing unfolds at the pace CPython's turtle
// would show it. The runtime draws every move at once and says how fast to animate
// with `speed` ops (turtle speed 1–10, 0 = no animation, and the screen's frame delay);
// this file turns that into motions with durations. Pure; unit-tested.

import type { Pts, WireOp } from "./wire";

export type Point = [number, number];

export type Motion =
  /** Takes no time. */
  | { kind: "instant" }
  /** A pause the program asked for (time.sleep, ontimer). */
  | { kind: "wait"; ms: number }
  /**
   * A line grows from `start` through `added` (a pen-down move). `turtle` is the cursor
   * drawing it, shown at the pen's tip while it grows.
   */
  | { kind: "grow"; ms: number; start: Point; added: Pts; turtle: number | null }
  /** A cursor travels without drawing (a pen-up move). */
  | { kind: "glide"; ms: number; turtle: number; from: Point; to: Point }
  /** A cursor turns on the spot, `by` degrees (the shorter way) from `from`. */
  | { kind: "turn"; ms: number; turtle: number; from: number; by: number };

/** CPython's default turtle speed and screen delay, until a `speed` op says otherwise. */
const DEFAULT_SPEED = 3;
const DEFAULT_DELAY_MS = 10;
/** Closer than this (in turtle pixels) counts as the same point (the wire rounds to 0.01). */
const SAME_POINT = 0.05;

/**
 * Milliseconds CPython's turtle takes to move `distance` pixels: it splits the move
 * into 1 + distance / (3 · 1.1^speed · speed) screen updates, each followed by the
 * screen's delay.
 */
export function moveDurationMs(distance: number, speed: number, delayMs: number): number {
  if (speed <= 0 || distance <= 0) return 0;
  const updates = 1 + Math.floor(distance / (3 * 1.1 ** speed * speed));
  return updates * Math.max(0, delayMs);
}

/** Milliseconds CPython's turtle takes to turn `degrees`: 1 + |degrees| / (3 · speed) frames. */
export function turnDurationMs(degrees: number, speed: number, delayMs: number): number {
  if (speed <= 0 || degrees === 0) return 0;
  return (1 + Math.floor(Math.abs(degrees) / (3 * speed))) * Math.max(0, delayMs);
}

/** The signed turn from one heading to another, the shorter way round (-180..180]. */
export function headingChange(from: number, to: number): number {
  const d = (((to - from) % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
}

export function polylineLength(start: Point, added: Pts): number {
  let length = 0;
  let [x, y] = start;
  for (let i = 0; i + 1 < added.length; i += 2) {
    length += Math.hypot(added[i] - x, added[i + 1] - y);
    x = added[i];
    y = added[i + 1];
  }
  return length;
}

/** The first `fraction` (0..1, by length) of the path start → added, as points after start. */
export function polylinePrefix(start: Point, added: Pts, fraction: number): Pts {
  const total = polylineLength(start, added);
  if (fraction >= 1 || total === 0) return added.slice();
  let budget = Math.max(0, fraction) * total;
  const out: Pts = [];
  let [x, y] = start;
  for (let i = 0; i + 1 < added.length; i += 2) {
    const nx = added[i];
    const ny = added[i + 1];
    const step = Math.hypot(nx - x, ny - y);
    if (step >= budget) {
      const f = step === 0 ? 1 : budget / step;
      out.push(x + (nx - x) * f, y + (ny - y) * f);
      return out;
    }
    out.push(nx, ny);
    budget -= step;
    x = nx;
    y = ny;
  }
  return out;
}

function lastPoint(pts: Pts): Point | null {
  return pts.length >= 2 ? [pts[pts.length - 2], pts[pts.length - 1]] : null;
}

function samePoint(a: Point, b: Point): boolean {
  return Math.abs(a[0] - b[0]) < SAME_POINT && Math.abs(a[1] - b[1]) < SAME_POINT;
}

/**
 * Plans ops in arrival order. It keeps just enough state (speed, line ends, cursor
 * positions) to know how far each op moves and which cursor is drawing.
 */
export class Pacer {
  private speed = DEFAULT_SPEED;
  private delayMs = DEFAULT_DELAY_MS;
  private lineEnds = new Map<number, Point>();
  private cursors = new Map<number, { at: Point; heading: number; visible: boolean }>();
  /** The last line growth, so the cursor move that follows it isn't animated twice. */
  private lastGrowth: { turtle: number | null; end: Point } | null = null;

  plan(op: WireOp): Motion {
    switch (op.op) {
      case "speed":
        this.speed = op.speed;
        this.delayMs = op.delay;
        return { kind: "instant" };
      case "sleep":
        return { kind: "wait", ms: op.ms };
      case "line": {
        const start = op.pts.length >= 2 ? ([op.pts[0], op.pts[1]] as Point) : null;
        const end = lastPoint(op.pts);
        if (!start || !end) return { kind: "instant" };
        this.lineEnds.set(op.id, end);
        return this.growth(start, op.pts.slice(2));
      }
      case "lineto": {
        const start = this.lineEnds.get(op.id);
        const end = lastPoint(op.pts);
        if (end) this.lineEnds.set(op.id, end);
        return start ? this.growth(start, op.pts) : { kind: "instant" };
      }
      case "coords": {
        const end = lastPoint(op.pts);
        if (end) this.lineEnds.set(op.id, end);
        return { kind: "instant" };
      }
      case "del":
        for (const id of op.ids) {
          this.lineEnds.delete(id);
          this.cursors.delete(id);
        }
        return { kind: "instant" };
      case "clear":
        this.lineEnds.clear();
        this.cursors.clear();
        return { kind: "instant" };
      case "turtle":
        return this.cursorChange(op.id, op.changes.x, op.changes.y, op.changes.h, op.changes.vis);
      default:
        return { kind: "instant" };
    }
  }

  private growth(start: Point, added: Pts): Motion {
    const end = lastPoint(added) ?? start;
    let turtle: number | null = null;
    for (const [id, cursor] of this.cursors) {
      if (cursor.visible && samePoint(cursor.at, start)) turtle = id;
    }
    this.lastGrowth = { turtle, end };
    const ms = moveDurationMs(polylineLength(start, added), this.speed, this.delayMs);
    return ms > 0 ? { kind: "grow", ms, start, added, turtle } : { kind: "instant" };
  }

  private cursorChange(
    id: number,
    x: number | undefined,
    y: number | undefined,
    h: number | undefined,
    vis: boolean | undefined,
  ): Motion {
    const previous = this.cursors.get(id);
    const growth = this.lastGrowth;
    this.lastGrowth = null;
    const at: Point = [x ?? previous?.at[0] ?? 0, y ?? previous?.at[1] ?? 0];
    const heading = h ?? previous?.heading ?? 0;
    const visible = vis ?? previous?.visible ?? false;
    this.cursors.set(id, { at, heading, visible });
    if (!previous || !previous.visible || !visible) return { kind: "instant" };
    if (x !== undefined || y !== undefined) {
      // The line this cursor just drew already carried it here.
      if (growth && samePoint(growth.end, at)) return { kind: "instant" };
      const ms = moveDurationMs(Math.hypot(at[0] - previous.at[0], at[1] - previous.at[1]), this.speed, this.delayMs);
      return ms > 0 ? { kind: "glide", ms, turtle: id, from: previous.at, to: at } : { kind: "instant" };
    }
    if (h !== undefined) {
      const by = headingChange(previous.heading, heading);
      const ms = turnDurationMs(by, this.speed, this.delayMs);
      return ms > 0 ? { kind: "turn", ms, turtle: id, from: previous.heading, by } : { kind: "instant" };
    }
    return { kind: "instant" };
  }
}

export function motionMs(motion: Motion): number {
  return motion.kind === "instant" ? 0 : motion.ms;
}
