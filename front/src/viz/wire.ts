// The runtime's turtle wire format (docs/visualization.md, format version 1): a
// `{"type":"visualization","kind":"turtle","v":1,"ops":[[name, ...args], ...]}` frame
// carries, in order, the visible changes of a headless Tk canvas and the state of the
// turtle cursors. Coordinates are turtle space: pixels from the canvas centre, y up.
//
// parseTurtleOps checks every op's shape, because frames are untrusted input, and
// drops the ones it can't use instead of failing the whole drawing.

export type Pts = number[]; // x0, y0, x1, y1, ...
export type Color = string | null; // "#rrggbb" or null for "none"
export type Font = [family: string, size: number, style: string];

export interface ItemPlacement {
  /** Put the new item just below this item (stacking order), instead of on top. */
  before?: number;
}

export interface ScreenChanges {
  w?: number;
  h?: number;
  cw?: number;
  ch?: number;
  bg?: Color;
  title?: string;
  /** The window was closed (bye()); a later Turtle() opens a new canvas. */
  closed?: boolean;
}

export interface TurtleChanges {
  vis?: boolean;
  x?: number;
  y?: number;
  /** Heading in degrees, counter-clockwise from east. */
  h?: number;
  /** Shape polygons in the turtle's own frame: [points, fill, outline]. */
  parts?: Array<[Pts, Color, Color]>;
  w?: number;
  /** Name of a bitmap used as the turtle's shape. */
  img?: string | null;
}

export interface ItemChanges {
  fill?: Color;
  outline?: Color;
  width?: number;
  text?: string;
  anchor?: string;
  font?: Font;
  image?: string | null;
}

export type WireOp =
  | { op: "screen"; canvas: number; changes: ScreenChanges }
  | { op: "line"; id: number; canvas: number; pts: Pts; fill: Color; width: number; place: ItemPlacement }
  | {
      op: "poly";
      id: number;
      canvas: number;
      pts: Pts;
      fill: Color;
      outline: Color;
      width: number;
      place: ItemPlacement;
    }
  | {
      op: "text";
      id: number;
      canvas: number;
      x: number;
      y: number;
      text: string;
      anchor: string;
      fill: Color;
      font: Font;
      place: ItemPlacement;
    }
  | { op: "image"; id: number; canvas: number; x: number; y: number; image: string | null; place: ItemPlacement }
  | { op: "lineto"; id: number; pts: Pts }
  | { op: "coords"; id: number; pts: Pts }
  | { op: "cfg"; id: number; changes: ItemChanges }
  | { op: "raise"; id: number }
  | { op: "lower"; id: number }
  | { op: "del"; ids: number[] }
  | { op: "clear"; canvas: number }
  /** `canvas` is null when the op doesn't name one (only a cursor's first op does). */
  | { op: "turtle"; id: number; canvas: number | null; changes: TurtleChanges }
  | { op: "scale"; canvas: number; xf: number; yf: number }
  | { op: "bitmap"; name: string; mime: string; data: string | null; width: number; height: number }
  | { op: "speed"; speed: number; delay: number }
  | { op: "sleep"; ms: number };

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isColor = (v: unknown): v is Color => v === null || (isStr(v) && /^#[0-9a-fA-F]{3,8}$/.test(v));
const isPts = (v: unknown): v is Pts => Array.isArray(v) && v.length % 2 === 0 && v.every(isNum);
const colorOrNull = (v: unknown): Color => (isColor(v) ? v : null);

function isFont(v: unknown): v is Font {
  return Array.isArray(v) && v.length === 3 && isStr(v[0]) && isNum(v[1]) && isStr(v[2]);
}

function placement(v: unknown): ItemPlacement {
  return isObj(v) && isNum(v.before) ? { before: v.before } : {};
}

function screenChanges(v: unknown): ScreenChanges | null {
  if (!isObj(v)) return null;
  const out: ScreenChanges = {};
  for (const key of ["w", "h", "cw", "ch"] as const) if (isNum(v[key])) out[key] = v[key] as number;
  if ("bg" in v) out.bg = colorOrNull(v.bg);
  if (isStr(v.title)) out.title = v.title;
  if (typeof v.closed === "boolean") out.closed = v.closed;
  return out;
}

function turtleChanges(v: unknown): TurtleChanges | null {
  if (!isObj(v)) return null;
  const out: TurtleChanges = {};
  if (typeof v.vis === "boolean") out.vis = v.vis;
  for (const key of ["x", "y", "h", "w"] as const) if (isNum(v[key])) out[key] = v[key] as number;
  if (Array.isArray(v.parts)) {
    out.parts = v.parts
      .filter((p): p is unknown[] => Array.isArray(p) && p.length === 3 && isPts(p[0]))
      .map((p) => [p[0] as Pts, colorOrNull(p[1]), colorOrNull(p[2])]);
  }
  if ("img" in v) out.img = isStr(v.img) ? v.img : null;
  return out;
}

function itemChanges(v: unknown): ItemChanges | null {
  if (!isObj(v)) return null;
  const out: ItemChanges = {};
  if ("fill" in v) out.fill = colorOrNull(v.fill);
  if ("outline" in v) out.outline = colorOrNull(v.outline);
  if (isNum(v.width)) out.width = v.width;
  if (isStr(v.text)) out.text = v.text;
  if (isStr(v.anchor)) out.anchor = v.anchor;
  if (isFont(v.font)) out.font = v.font;
  if ("image" in v) out.image = isStr(v.image) ? v.image : null;
  return out;
}

/** One wire op (an array) → a typed op, or null if it is malformed or unknown. */
export function parseWireOp(raw: unknown): WireOp | null {
  if (!Array.isArray(raw) || !isStr(raw[0])) return null;
  const [name, ...a] = raw;
  switch (name) {
    case "screen": {
      const changes = screenChanges(a[1]);
      return isNum(a[0]) && changes ? { op: "screen", canvas: a[0], changes } : null;
    }
    case "line":
      return isNum(a[0]) && isNum(a[1]) && isPts(a[2]) && isNum(a[4])
        ? { op: "line", id: a[0], canvas: a[1], pts: a[2], fill: colorOrNull(a[3]), width: a[4], place: placement(a[5]) }
        : null;
    case "poly":
      return isNum(a[0]) && isNum(a[1]) && isPts(a[2]) && isNum(a[5])
        ? {
            op: "poly",
            id: a[0],
            canvas: a[1],
            pts: a[2],
            fill: colorOrNull(a[3]),
            outline: colorOrNull(a[4]),
            width: a[5],
            place: placement(a[6]),
          }
        : null;
    case "text":
      return isNum(a[0]) && isNum(a[1]) && isNum(a[2]) && isNum(a[3]) && isStr(a[4]) && isStr(a[5]) && isFont(a[7])
        ? {
            op: "text",
            id: a[0],
            canvas: a[1],
            x: a[2],
            y: a[3],
            text: a[4],
            anchor: a[5],
            fill: colorOrNull(a[6]),
            font: a[7],
            place: placement(a[8]),
          }
        : null;
    case "image":
      return isNum(a[0]) && isNum(a[1]) && isNum(a[2]) && isNum(a[3])
        ? { op: "image", id: a[0], canvas: a[1], x: a[2], y: a[3], image: isStr(a[4]) ? a[4] : null, place: placement(a[5]) }
        : null;
    case "lineto": {
      const pts = a.slice(1);
      return isNum(a[0]) && pts.length > 0 && isPts(pts) ? { op: "lineto", id: a[0], pts } : null;
    }
    case "coords":
      return isNum(a[0]) && isPts(a[1]) ? { op: "coords", id: a[0], pts: a[1] } : null;
    case "cfg": {
      const changes = itemChanges(a[1]);
      return isNum(a[0]) && changes ? { op: "cfg", id: a[0], changes } : null;
    }
    case "raise":
    case "lower":
      return isNum(a[0]) ? { op: name, id: a[0] } : null;
    case "del":
      return a.length > 0 && a.every(isNum) ? { op: "del", ids: a as number[] } : null;
    case "clear":
      return isNum(a[0]) ? { op: "clear", canvas: a[0] } : null;
    case "turtle": {
      // ["turtle", id, {changes, "cv": canvas}]; an older draft put the canvas before them.
      const withCanvas = isNum(a[1]);
      const raw = withCanvas ? a[2] : a[1];
      const changes = turtleChanges(raw);
      const canvas = withCanvas ? a[1] : isObj(raw) && isNum(raw.cv) ? raw.cv : null;
      return isNum(a[0]) && changes ? { op: "turtle", id: a[0], canvas: canvas as number | null, changes } : null;
    }
    // Short forms of a cursor change: only the position, or only the heading.
    case "tpos":
      return isNum(a[0]) && isNum(a[1]) && isNum(a[2])
        ? { op: "turtle", id: a[0], canvas: null, changes: { x: a[1], y: a[2] } }
        : null;
    case "thead":
      return isNum(a[0]) && isNum(a[1]) ? { op: "turtle", id: a[0], canvas: null, changes: { h: a[1] } } : null;
    case "scale":
      return isNum(a[0]) && isNum(a[1]) && isNum(a[2]) ? { op: "scale", canvas: a[0], xf: a[1], yf: a[2] } : null;
    case "bitmap":
      return isStr(a[0]) && isStr(a[1])
        ? {
            op: "bitmap",
            name: a[0],
            mime: a[1],
            data: isStr(a[2]) ? a[2] : null,
            width: isNum(a[3]) ? a[3] : 0,
            height: isNum(a[4]) ? a[4] : 0,
          }
        : null;
    case "speed":
      return isNum(a[0]) && isNum(a[1]) ? { op: "speed", speed: a[0], delay: a[1] } : null;
    case "sleep":
      return isNum(a[0]) && a[0] >= 0 ? { op: "sleep", ms: a[0] } : null;
    default:
      return null;
  }
}

/** The only format version this replayer knows. */
export const TURTLE_FORMAT_VERSION = 1;

/**
 * The ops of one `kind:"turtle"` visualization frame, malformed ones dropped. A frame
 * of another format version gives none: drawing it wrongly would be worse.
 */
export function parseTurtleOps(frame: Record<string, unknown>): WireOp[] {
  if (frame.v !== TURTLE_FORMAT_VERSION || !Array.isArray(frame.ops)) return [];
  const ops: WireOp[] = [];
  for (const raw of frame.ops) {
    const op = parseWireOp(raw);
    if (op) ops.push(op);
  }
  return ops;
}
