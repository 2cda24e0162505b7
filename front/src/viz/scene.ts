// The drawing as the runtime's canvas holds it: items in stacking order, turtle cursors
// and bitmaps. Applying wire ops one by one rebuilds it exactly, so the replayer can
// repaint any moment of the drawing (after a resize, say). Pure data; no DOM.

import type { Color, Font, ItemChanges, Pts, WireOp } from "./wire";

export type SceneItem =
  | { kind: "line"; id: number; pts: Pts; fill: Color; width: number }
  | { kind: "poly"; id: number; pts: Pts; fill: Color; outline: Color; width: number }
  | { kind: "text"; id: number; pts: Pts; text: string; anchor: string; fill: Color; font: Font }
  | { kind: "image"; id: number; pts: Pts; image: string | null };

export interface TurtleCursor {
  id: number;
  visible: boolean;
  x: number;
  y: number;
  heading: number;
  parts: Array<[Pts, Color, Color]>;
  width: number;
  image: string | null;
}

export interface ScreenState {
  /** The window's size: what the kid would see. */
  width: number;
  height: number;
  background: Color;
  title: string;
}

export interface BitmapInfo {
  mime: string;
  data: string | null;
  width: number;
  height: number;
}

/** CPython's turtle window on the runtime's virtual screen (docs/visualization.md). */
export const DEFAULT_SCREEN: ScreenState = { width: 800, height: 600, background: "#ffffff", title: "" };

export class Scene {
  /** Items bottom to top. */
  items: SceneItem[] = [];
  private byId = new Map<number, SceneItem>();
  turtles = new Map<number, TurtleCursor>();
  bitmaps = new Map<string, BitmapInfo>();
  screen: ScreenState = { ...DEFAULT_SCREEN };
  /** The first canvas seen; a second one (rare) is ignored rather than drawn on top. */
  private canvas: number | null = null;

  find(id: number): SceneItem | undefined {
    return this.byId.get(id);
  }

  apply(op: WireOp): void {
    switch (op.op) {
      case "screen":
        if (!this.ours(op.canvas)) return;
        if (op.changes.w && op.changes.w > 1) this.screen.width = op.changes.w;
        if (op.changes.h && op.changes.h > 1) this.screen.height = op.changes.h;
        if (op.changes.bg !== undefined) this.screen.background = op.changes.bg ?? DEFAULT_SCREEN.background;
        if (op.changes.title !== undefined) this.screen.title = op.changes.title;
        return;
      case "line":
        if (this.ours(op.canvas)) this.place({ kind: "line", id: op.id, pts: op.pts.slice(), fill: op.fill, width: op.width }, op.place.before);
        return;
      case "poly":
        if (this.ours(op.canvas)) {
          this.place(
            { kind: "poly", id: op.id, pts: op.pts.slice(), fill: op.fill, outline: op.outline, width: op.width },
            op.place.before,
          );
        }
        return;
      case "text":
        if (this.ours(op.canvas)) {
          this.place(
            { kind: "text", id: op.id, pts: [op.x, op.y], text: op.text, anchor: op.anchor, fill: op.fill, font: op.font },
            op.place.before,
          );
        }
        return;
      case "image":
        if (this.ours(op.canvas)) this.place({ kind: "image", id: op.id, pts: [op.x, op.y], image: op.image }, op.place.before);
        return;
      case "lineto": {
        const item = this.find(op.id);
        if (item) item.pts.push(...op.pts);
        return;
      }
      case "coords": {
        const item = this.find(op.id);
        if (item) item.pts = op.pts.slice();
        return;
      }
      case "cfg": {
        const item = this.find(op.id);
        if (item) Object.assign(item, relevantChanges(item, op.changes));
        return;
      }
      case "raise":
      case "lower": {
        const index = this.items.findIndex((item) => item.id === op.id);
        if (index < 0) return;
        const [item] = this.items.splice(index, 1);
        if (op.op === "raise") this.items.push(item);
        else this.items.unshift(item);
        return;
      }
      case "del": {
        const gone = new Set(op.ids);
        this.items = this.items.filter((item) => !gone.has(item.id));
        for (const id of op.ids) {
          this.byId.delete(id);
          this.turtles.delete(id);
        }
        return;
      }
      case "clear":
        if (!this.ours(op.canvas)) return;
        this.items = [];
        this.byId.clear();
        this.turtles.clear();
        return;
      case "turtle": {
        if (op.canvas !== null && !this.ours(op.canvas)) return;
        const previous = this.turtles.get(op.id) ?? newTurtle(op.id);
        const c = op.changes;
        this.turtles.set(op.id, {
          ...previous,
          visible: c.vis ?? previous.visible,
          x: c.x ?? previous.x,
          y: c.y ?? previous.y,
          heading: c.h ?? previous.heading,
          parts: c.parts ?? previous.parts,
          width: c.w ?? previous.width,
          image: c.img !== undefined ? c.img : previous.image,
        });
        return;
      }
      case "bitmap":
        this.bitmaps.set(op.name, { mime: op.mime, data: op.data, width: op.width, height: op.height });
        return;
      case "speed":
      case "sleep":
        return;
    }
  }

  private ours(canvas: number): boolean {
    if (this.canvas === null) this.canvas = canvas;
    return this.canvas === canvas;
  }

  private place(item: SceneItem, before: number | undefined): void {
    // An id is created once; a repeat replaces the old item (defensive, never expected).
    if (this.byId.has(item.id)) this.items = this.items.filter((existing) => existing.id !== item.id);
    this.byId.set(item.id, item);
    const at = before === undefined ? -1 : this.items.findIndex((existing) => existing.id === before);
    if (at < 0) this.items.push(item);
    else this.items.splice(at, 0, item);
  }
}

function newTurtle(id: number): TurtleCursor {
  return { id, visible: false, x: 0, y: 0, heading: 0, parts: [], width: 1, image: null };
}

/** Only the options that exist on this kind of item. */
function relevantChanges(item: SceneItem, changes: ItemChanges): Partial<SceneItem> {
  const allowed: Record<SceneItem["kind"], string[]> = {
    line: ["fill", "width"],
    poly: ["fill", "outline", "width"],
    text: ["text", "anchor", "fill", "font"],
    image: ["image"],
  };
  const out: Record<string, unknown> = {};
  for (const key of allowed[item.kind]) if (key in changes) out[key] = changes[key as keyof ItemChanges];
  return out as Partial<SceneItem>;
}
