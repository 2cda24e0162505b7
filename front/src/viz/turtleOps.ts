// The canvas replayer's own drawing operations, in turtle world coordinates (origin in
// the middle, y pointing up, headings in degrees counter-clockwise from east). The
// runtime's wire format is translated into these by turtleAdapter.ts, so a change in
// that format touches one file. Everything here is pure and unit-tested.

export type Point = readonly [number, number];

export type TurtleOp =
  /** Size of the turtle world and its background, as Screen().setup / bgcolor set. */
  | { kind: "screen"; width?: number; height?: number; background?: string }
  /** A pen-down move: ink from `from` to `to`. */
  | { kind: "line"; turtle: string; from: Point; to: Point; color: string; width: number }
  /** A pen-up move: the turtle travels, no ink. */
  | { kind: "move"; turtle: string; from: Point; to: Point }
  /** The turtle's look changes without moving (turn, hide/show, colour). */
  | { kind: "pose"; turtle: string; heading?: number; visible?: boolean; color?: string }
  /**
   * A filled shape. `under` is the number of ops drawn when begin_fill ran: the fill is
   * painted beneath everything drawn since then, as in CPython's turtle.
   */
  | { kind: "fill"; points: readonly Point[]; color: string; under?: number }
  | { kind: "dot"; at: Point; diameter: number; color: string }
  | { kind: "text"; at: Point; text: string; color: string; font: TextFont; align: CanvasTextAlign }
  /** Erases everything drawn so far (clear / reset / clearscreen). */
  | { kind: "clear" };

/** Turtle's write() font: size in world units, so text scales with the drawing. */
export interface TextFont {
  family: string;
  size: number;
  style: string;
}

/** World units per second for each speed setting; Infinity draws at once. */
export const SPEEDS = {
  slow: 120,
  normal: 400,
  fast: 1600,
  instant: Number.POSITIVE_INFINITY,
} as const;
export type SpeedName = keyof typeof SPEEDS;

export function isSpeedName(value: unknown): value is SpeedName {
  return typeof value === "string" && value in SPEEDS;
}

/** How far the turtle travels during an op; ops that don't travel take no time. */
export function travelLength(op: TurtleOp): number {
  if (op.kind === "line" || op.kind === "move") {
    return Math.hypot(op.to[0] - op.from[0], op.to[1] - op.from[1]);
  }
  return 0;
}

/** The point `fraction` (0..1) of the way along a segment. */
export function lerpPoint(from: Point, to: Point, fraction: number): Point {
  const f = Math.min(1, Math.max(0, fraction));
  return [from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f];
}

/** Turtle heading (degrees, counter-clockwise from east) of travel from one point to another. */
export function headingOf(from: Point, to: Point): number | null {
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  if (dx === 0 && dy === 0) return null;
  return (Math.atan2(dy, dx) * 180) / Math.PI;
}

export interface WorldTransform {
  scale: number;
  /** Canvas pixel position of the world origin. */
  originX: number;
  originY: number;
}

/**
 * Fits a world of worldWidth × worldHeight into a canvas, centred, keeping its shape.
 * The world's y axis points up, the canvas's down.
 */
export function fitWorld(
  worldWidth: number,
  worldHeight: number,
  canvasWidth: number,
  canvasHeight: number,
): WorldTransform {
  const scale = Math.min(canvasWidth / worldWidth, canvasHeight / worldHeight);
  return { scale, originX: canvasWidth / 2, originY: canvasHeight / 2 };
}

export function toCanvas(t: WorldTransform, p: Point): Point {
  return [t.originX + p[0] * t.scale, t.originY - p[1] * t.scale];
}

/**
 * The order to paint ops[0..count): a `clear` drops what came before it, and a fill
 * is painted beneath the ops drawn since its begin_fill. Returns indexes into `ops`.
 */
export function paintOrder(ops: readonly TurtleOp[], count: number): number[] {
  let order: number[] = [];
  let clearedAt = 0;
  for (let i = 0; i < count; i++) {
    const op = ops[i];
    if (op.kind === "clear") {
      order = [];
      clearedAt = i + 1;
      continue;
    }
    if (op.kind === "fill" && op.under !== undefined && op.under >= clearedAt && op.under < i) {
      // Insert before the first op that was drawn at or after the begin_fill.
      const at = order.findIndex((index) => index >= op.under!);
      if (at >= 0) {
        order.splice(at, 0, i);
        continue;
      }
    }
    order.push(i);
  }
  return order;
}

/** The background colour in force after ops[0..count), or null for the default. */
export function backgroundAt(ops: readonly TurtleOp[], count: number): string | null {
  for (let i = count - 1; i >= 0; i--) {
    const op = ops[i];
    if (op.kind === "screen" && op.background) return op.background;
  }
  return null;
}

/**
 * World size when the program sets none: about the window CPython's turtle opens on a
 * school laptop, so drawings made for it fit without scrolling.
 */
export const DEFAULT_WORLD = { width: 800, height: 600 } as const;

export function worldSizeAt(
  ops: readonly TurtleOp[],
  count: number,
): { width: number; height: number } {
  let width: number = DEFAULT_WORLD.width;
  let height: number = DEFAULT_WORLD.height;
  for (let i = 0; i < count; i++) {
    const op = ops[i];
    if (op.kind === "screen") {
      if (op.width && op.width > 0) width = op.width;
      if (op.height && op.height > 0) height = op.height;
    }
  }
  return { width, height };
}

/** What a turtle looks like at some point of the replay. */
export interface TurtleLook {
  at: Point;
  heading: number;
  visible: boolean;
  color: string;
}

export const NEW_TURTLE: TurtleLook = { at: [0, 0], heading: 0, visible: true, color: "#000000" };

/** The looks of every turtle after `op`; returns the same map, updated. */
export function applyToLooks(looks: Map<string, TurtleLook>, op: TurtleOp): Map<string, TurtleLook> {
  if (op.kind !== "line" && op.kind !== "move" && op.kind !== "pose") return looks;
  const look = { ...(looks.get(op.turtle) ?? NEW_TURTLE) };
  if (op.kind === "pose") {
    if (op.heading !== undefined) look.heading = op.heading;
    if (op.visible !== undefined) look.visible = op.visible;
    if (op.color !== undefined) look.color = op.color;
  } else {
    look.at = op.to;
    look.heading = headingOf(op.from, op.to) ?? look.heading;
    if (op.kind === "line") look.color = op.color;
  }
  looks.set(op.turtle, look);
  return looks;
}
