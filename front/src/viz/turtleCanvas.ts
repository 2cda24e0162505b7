// Replays turtle ops on a <canvas> as they arrive, at the chosen speed.
//
// Ops are applied to a Scene when the playhead passes them; every animation frame
// repaints the scene, plus the op in progress (a line growing, a cursor gliding). The
// op list and scene are kept, so a resize simply repaints at the new size.

import { cssFont, fitWorld, placeShape, textPlacement, toCanvas, type WorldTransform } from "./geometry";
import { motionMs, Pacer, polylinePrefix, type Motion } from "./pacing";
import { Scene, type SceneItem, type TurtleCursor } from "./scene";
import { advance, SPEEDS, type Playhead, type SpeedName } from "./timeline";
import type { Pts, WireOp } from "./wire";

/** The drawing never grows taller than this share of the window, so output stays in reach. */
const MAX_HEIGHT_SHARE = 0.7;
/** A background tab pauses animation frames; don't leap ahead when it comes back. */
const MAX_FRAME_MS = 250;

const BITMAP_TYPES = ["image/gif", "image/png"];

/** What the op in progress changes on screen, for one frame. */
interface InProgress {
  /** Extra points shown at the end of an existing line. */
  growItem?: { id: number; pts: Pts };
  /** A line being created, shown partly drawn. */
  newLine?: SceneItem;
  /** A cursor shown somewhere other than its committed pose. */
  cursorAt?: { id: number; x: number; y: number; heading?: number };
}

export class TurtleCanvas {
  private ops: WireOp[] = [];
  private motions: Motion[] = [];
  private durations: number[] = [];
  private pacer = new Pacer();
  private scene = new Scene();
  private head: Playhead = { done: 0, elapsedMs: 0 };
  private speed: SpeedName;
  private bitmaps = new Map<string, HTMLImageElement>();
  private frameRequest: number | null = null;
  private lastFrameTime: number | null = null;
  private transform: WorldTransform = { scale: 1, originX: 0, originY: 0 };
  private pixelRatio = 1;
  private sizedFor = "";

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly container: HTMLElement,
    speed: SpeedName,
  ) {
    this.speed = speed;
    // Only a width change matters: the height follows from it, and reacting to our
    // own height change would loop.
    let observedWidth = -1;
    new ResizeObserver(() => {
      if (container.clientWidth === observedWidth) return;
      observedWidth = container.clientWidth;
      this.resize();
    }).observe(container);
    // The height cap depends on the window's height and zoom, which the observer misses.
    window.addEventListener("resize", () => this.resize());
  }

  /** Forgets the previous run's drawing. */
  reset(): void {
    this.ops = [];
    this.motions = [];
    this.durations = [];
    this.pacer = new Pacer();
    this.scene = new Scene();
    this.head = { done: 0, elapsedMs: 0 };
    this.bitmaps.clear();
    this.resize();
  }

  add(ops: readonly WireOp[]): void {
    for (const op of ops) {
      const motion = this.pacer.plan(op);
      this.ops.push(op);
      this.motions.push(motion);
      this.durations.push(motionMs(motion));
      // Start decoding pictures now, so they are ready when the playhead gets there.
      if (op.op === "bitmap") this.loadBitmap(op.name, op.mime, op.data);
    }
    this.play();
  }

  setSpeed(speed: SpeedName): void {
    this.speed = speed;
    this.play();
  }

  private loadBitmap(name: string, mime: string, data: string | null): void {
    if (!data || !BITMAP_TYPES.includes(mime) || !/^[A-Za-z0-9+/=]+$/.test(data)) return;
    const img = new Image();
    img.addEventListener("load", () => this.render());
    img.src = `data:${mime};base64,${data}`;
    this.bitmaps.set(name, img);
  }

  private play(): void {
    if (this.frameRequest !== null) return;
    this.lastFrameTime = null;
    this.frameRequest = requestAnimationFrame((time) => this.frame(time));
  }

  private frame(time: number): void {
    this.frameRequest = null;
    const realMs = this.lastFrameTime === null ? 0 : Math.min(MAX_FRAME_MS, time - this.lastFrameTime);
    this.lastFrameTime = time;
    const next = advance(this.durations, this.head, realMs, SPEEDS[this.speed]);
    for (let i = this.head.done; i < next.done; i++) this.scene.apply(this.ops[i]);
    this.head = next;
    if (!this.resizeIfScreenChanged()) this.render();
    if (this.head.done < this.ops.length) {
      this.frameRequest = requestAnimationFrame((t) => this.frame(t));
    }
  }

  private resizeIfScreenChanged(): boolean {
    const key = `${this.scene.screen.width}x${this.scene.screen.height}`;
    if (key === this.sizedFor) return false;
    this.resize();
    return true;
  }

  private resize(): void {
    const screen = this.scene.screen;
    this.sizedFor = `${screen.width}x${screen.height}`;
    const cssWidth = Math.max(1, this.container.clientWidth);
    const cssHeight = Math.max(
      1,
      Math.min((cssWidth * screen.height) / screen.width, window.innerHeight * MAX_HEIGHT_SHARE),
    );
    this.pixelRatio = window.devicePixelRatio || 1;
    this.canvas.style.height = `${cssHeight}px`;
    this.canvas.width = Math.round(cssWidth * this.pixelRatio);
    this.canvas.height = Math.round(cssHeight * this.pixelRatio);
    this.transform = fitWorld(screen.width, screen.height, this.canvas.width, this.canvas.height);
    this.render();
  }

  /** What the op under the playhead shows this frame. */
  private inProgress(): InProgress {
    const motion = this.motions[this.head.done];
    const op = this.ops[this.head.done];
    if (!motion || !op || motion.kind === "instant" || motion.kind === "wait") return {};
    const fraction = motion.ms > 0 ? this.head.elapsedMs / motion.ms : 1;
    if (motion.kind === "turn") {
      const cursor = this.scene.turtles.get(motion.turtle);
      if (!cursor) return {};
      return { cursorAt: { id: motion.turtle, x: cursor.x, y: cursor.y, heading: motion.from + motion.by * fraction } };
    }
    if (motion.kind === "glide") {
      const x = motion.from[0] + (motion.to[0] - motion.from[0]) * fraction;
      const y = motion.from[1] + (motion.to[1] - motion.from[1]) * fraction;
      return { cursorAt: { id: motion.turtle, x, y } };
    }
    const shown = polylinePrefix(motion.start, motion.added, fraction);
    const tip = shown.length >= 2 ? shown.slice(-2) : motion.start;
    const result: InProgress = {};
    if (motion.turtle !== null) result.cursorAt = { id: motion.turtle, x: tip[0], y: tip[1] };
    if (op.op === "line") {
      result.newLine = {
        kind: "line",
        id: op.id,
        canvas: op.canvas,
        pts: [...motion.start, ...shown],
        fill: op.fill,
        width: op.width,
      };
    } else if (op.op === "lineto") {
      result.growItem = { id: op.id, pts: shown };
    }
    return result;
  }

  private render(): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const progress = this.inProgress();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.scene.screen.background ?? "#ffffff";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (const item of this.scene.visibleItems()) {
      if (progress.growItem && progress.growItem.id === item.id) {
        this.paintItem(ctx, { ...item, pts: [...item.pts, ...progress.growItem.pts] } as SceneItem);
      } else {
        this.paintItem(ctx, item);
      }
    }
    if (progress.newLine && progress.newLine.canvas === this.scene.shown) this.paintItem(ctx, progress.newLine);
    // Cursors are always on top, as turtle.py raises them.
    for (const cursor of this.scene.visibleTurtles()) {
      const moving = progress.cursorAt?.id === cursor.id ? progress.cursorAt : null;
      this.paintCursor(ctx, cursor, moving?.x ?? cursor.x, moving?.y ?? cursor.y, moving?.heading ?? cursor.heading);
    }
  }

  private path(ctx: CanvasRenderingContext2D, pts: Pts, close: boolean): void {
    ctx.beginPath();
    for (let i = 0; i + 1 < pts.length; i += 2) {
      const [x, y] = toCanvas(this.transform, pts[i], pts[i + 1]);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    if (close) ctx.closePath();
  }

  private lineWidth(width: number): number {
    return Math.max(this.pixelRatio, width * this.transform.scale);
  }

  private paintItem(ctx: CanvasRenderingContext2D, item: SceneItem): void {
    switch (item.kind) {
      case "line": {
        if (!item.fill || item.pts.length < 4) return;
        const width = this.lineWidth(item.width);
        if (isSinglePoint(item.pts)) {
          // turtle.dot() is a zero-length line with round caps: a filled circle.
          const [x, y] = toCanvas(this.transform, item.pts[0], item.pts[1]);
          ctx.fillStyle = item.fill;
          ctx.beginPath();
          ctx.arc(x, y, width / 2, 0, Math.PI * 2);
          ctx.fill();
          return;
        }
        this.path(ctx, item.pts, false);
        ctx.strokeStyle = item.fill;
        ctx.lineWidth = width;
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.stroke();
        return;
      }
      case "poly":
        this.paintPolygon(ctx, item.pts, item.fill, item.outline, item.width);
        return;
      case "text": {
        if (!item.fill || item.pts.length < 2) return;
        const [x, y] = toCanvas(this.transform, item.pts[0], item.pts[1]);
        const { align, baseline } = textPlacement(item.anchor);
        ctx.font = cssFont(item.font, this.transform.scale);
        ctx.fillStyle = item.fill;
        ctx.textAlign = align;
        ctx.textBaseline = baseline;
        const lines = item.text.split("\n");
        const lineHeight = parseFloat(ctx.font.match(/([\d.]+)px/)?.[1] ?? "12") * 1.25;
        // Stack lines so the block sits on its anchor as Tk places it.
        const first = baseline === "top" ? 0 : baseline === "bottom" ? -(lines.length - 1) : -(lines.length - 1) / 2;
        lines.forEach((line, i) => ctx.fillText(line, x, y + (first + i) * lineHeight));
        return;
      }
      case "image": {
        const img = item.image ? this.bitmaps.get(item.image) : undefined;
        if (img && item.pts.length >= 2) this.paintBitmap(ctx, img, item.pts[0], item.pts[1]);
        return;
      }
    }
  }

  private paintPolygon(ctx: CanvasRenderingContext2D, pts: Pts, fill: string | null, outline: string | null, width: number): void {
    if (pts.length < 4) return;
    this.path(ctx, pts, true);
    if (fill) {
      ctx.fillStyle = fill;
      // Tk fills with the even-odd rule: a filled five-pointed star has a hollow middle.
      ctx.fill("evenodd");
    }
    if (outline) {
      ctx.strokeStyle = outline;
      ctx.lineWidth = this.lineWidth(width);
      ctx.lineJoin = "miter";
      ctx.stroke();
    }
  }

  private paintBitmap(ctx: CanvasRenderingContext2D, img: HTMLImageElement, x: number, y: number): void {
    if (!img.complete || img.naturalWidth === 0) return;
    const [cx, cy] = toCanvas(this.transform, x, y);
    const w = img.naturalWidth * this.transform.scale;
    const h = img.naturalHeight * this.transform.scale;
    ctx.drawImage(img, cx - w / 2, cy - h / 2, w, h);
  }

  private paintCursor(ctx: CanvasRenderingContext2D, cursor: TurtleCursor, x: number, y: number, heading: number): void {
    if (cursor.image) {
      const img = this.bitmaps.get(cursor.image);
      if (img) this.paintBitmap(ctx, img, x, y);
      return;
    }
    for (const [shape, fill, outline] of cursor.parts) {
      this.paintPolygon(ctx, placeShape(shape, x, y, heading), fill, outline, cursor.width);
    }
  }
}

function isSinglePoint(pts: Pts): boolean {
  for (let i = 2; i + 1 < pts.length; i += 2) {
    if (pts[i] !== pts[0] || pts[i + 1] !== pts[1]) return false;
  }
  return true;
}
