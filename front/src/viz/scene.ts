// The drawing as the runtime's canvas holds it: items in stacking order, turtle cursors
// and bitmaps. Applying wire ops one by one rebuilds it exactly, so the replayer can
// repaint any moment of the drawing (after a resize, say). Pure data; no DOM.

import type { Color, Font, ItemChanges, Pts, WireOp } from "./wire";

export type SceneItem = { id: number; canvas: number; pts: Pts } & (
  | { kind: "line"; fill: Color; width: number }
  | { kind: "poly"; fill: Color; outline: Color; width: number }
  | { kind: "text"; text: string; anchor: string; fill: Color; font: Font }
  | { kind: "image"; image: string | null }
);

export interface TurtleCursor {
  id: number;
  canvas: number | null;
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
  /** Items of every canvas, bottom to top. */
  items: SceneItem[] = [];
  private byId = new Map<number, SceneItem>();
  turtles = new Map<number, TurtleCursor>();
  bitmaps = new Map<string, BitmapInfo>();
  private screens = new Map<number, ScreenState>();
  /**
   * The canvas on show: the one introduced last. A program that closes its window
   * (bye()) and makes a new Turtle() gets a new canvas, as CPython opens a new window.
   */
  shown: number | null = null;

  get screen(): ScreenState {
    return (this.shown !== null && this.screens.get(this.shown)) || DEFAULT_SCREEN;
  }

  find(id: number): SceneItem | undefined {
    return this.byId.get(id);
  }

  /** Items of the canvas on show, bottom to top. */
  visibleItems(): SceneItem[] {
    return this.items.filter((item) => item.canvas === this.shown);
  }

  visibleTurtles(): TurtleCursor[] {
    return [...this.turtles.values()].filter((t) => t.visible && (t.canvas === null || t.canvas === this.shown));
  }

  apply(op: WireOp): void {
    switch (op.op) {
      case "screen": {
        let screen = this.screens.get(op.canvas);
        if (!screen) {
          screen = { ...DEFAULT_SCREEN };
          this.screens.set(op.canvas, screen);
          this.shown = op.canvas;
        }
        const c = op.changes;
        if (c.w && c.w > 1) screen.width = c.w;
        if (c.h && c.h > 1) screen.height = c.h;
        if (c.bg !== undefined) screen.background = c.bg ?? DEFAULT_SCREEN.background;
        if (c.title !== undefined) screen.title = c.title;
        return;
      }
      case "line":
        this.place({ kind: "line", id: op.id, canvas: op.canvas, pts: op.pts.slice(), fill: op.fill, width: op.width }, op.place.before);
        return;
      case "poly":
        this.place(
          { kind: "poly", id: op.id, canvas: op.canvas, pts: op.pts.slice(), fill: op.fill, outline: op.outline, width: op.width },
          op.place.before,
        );
        return;
      case "text":
        this.place(
          { kind: "text", id: op.id, canvas: op.canvas, pts: [op.x, op.y], text: op.text, anchor: op.anchor, fill: op.fill, font: op.font },
          op.place.before,
        );
        return;
      case "image":
        this.place({ kind: "image", id: op.id, canvas: op.canvas, pts: [op.x, op.y], image: op.image }, op.place.before);
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
        this.items = this.items.filter((item) => item.canvas !== op.canvas);
        this.byId = new Map(this.items.map((item) => [item.id, item]));
        for (const [id, cursor] of this.turtles) if (cursor.canvas === op.canvas) this.turtles.delete(id);
        return;
      case "scale":
        // setworldcoordinates() after drawing: everything already drawn is stretched.
        for (const item of this.items) {
          if (item.canvas !== op.canvas) continue;
          item.pts = item.pts.map((v, i) => (i % 2 === 0 ? v * op.xf : v * op.yf));
        }
        return;
      case "turtle": {
        const previous = this.turtles.get(op.id) ?? newTurtle(op.id, op.canvas);
        const c = op.changes;
        this.turtles.set(op.id, {
          ...previous,
          canvas: previous.canvas ?? op.canvas,
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

  private place(item: SceneItem, before: number | undefined): void {
    // An id is created once; a repeat replaces the old item (defensive, never expected).
    if (this.byId.has(item.id)) this.items = this.items.filter((existing) => existing.id !== item.id);
    this.byId.set(item.id, item);
    // A canvas drawn on before any screen op is still a canvas to show.
    if (this.shown === null) this.shown = item.canvas;
    const at = before === undefined ? -1 : this.items.findIndex((existing) => existing.id === before);
    if (at < 0) this.items.push(item);
    else this.items.splice(at, 0, item);
  }
}

function newTurtle(id: number, canvas: number | null): TurtleCursor {
  return { id, canvas, visible: false, x: 0, y: 0, heading: 0, parts: [], width: 1, image: null };
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
