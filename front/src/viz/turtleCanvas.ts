// Replays turtle ops on a <canvas> as they arrive, at the chosen speed.
//
// Finished ops are painted once onto an offscreen "ink" canvas; each animation frame
// copies the ink, then draws the op in progress and the turtles on top. The op list is
// kept, so a resize (or a fill that must go beneath earlier lines) repaints from it.

import { advance, isComplete, type TimelinePosition } from "./turtleTimeline";
import {
  applyToLooks,
  backgroundAt,
  fitWorld,
  lerpPoint,
  paintOrder,
  SPEEDS,
  toCanvas,
  worldSizeAt,
  type Point,
  type SpeedName,
  type TurtleLook,
  type TurtleOp,
  type WorldTransform,
} from "./turtleOps";

const DEFAULT_BACKGROUND = "#ffffff";
/** The drawing never grows taller than this share of the window, so output stays in reach. */
const MAX_HEIGHT_SHARE = 0.7;
/** Turtle arrow size in CSS pixels: the same on every screen, so it stays visible. */
const TURTLE_SIZE = 11;

export class TurtleCanvas {
  private ops: TurtleOp[] = [];
  private position: TimelinePosition = { done: 0, partial: 0 };
  private speed: SpeedName;
  /** How many ops the ink canvas holds, and whether it must be repainted from scratch. */
  private inked = 0;
  private inkStale = true;
  private looks = new Map<string, TurtleLook>();
  private readonly ink: HTMLCanvasElement;
  private frameRequest: number | null = null;
  private lastFrameTime: number | null = null;
  private transform: WorldTransform = { scale: 1, originX: 0, originY: 0 };
  private pixelRatio = 1;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly container: HTMLElement,
    speed: SpeedName,
  ) {
    this.speed = speed;
    this.ink = document.createElement("canvas");
    // Only a width change matters: the height follows from it, and reacting to our
    // own height change would loop.
    let observedWidth = -1;
    this.resizeObserver = new ResizeObserver(() => {
      if (container.clientWidth === observedWidth) return;
      observedWidth = container.clientWidth;
      this.resize();
    });
    this.resizeObserver.observe(container);
    // The height cap depends on the window's height and zoom, which the observer misses.
    window.addEventListener("resize", () => this.resize());
  }

  /** Forgets the previous run's drawing. */
  reset(): void {
    this.ops = [];
    this.position = { done: 0, partial: 0 };
    this.inked = 0;
    this.inkStale = true;
    this.looks = new Map();
    this.resize();
  }

  add(ops: readonly TurtleOp[]): void {
    if (ops.length === 0) return;
    const sizeBefore = worldSizeAt(this.ops, this.ops.length);
    this.ops.push(...ops);
    const sizeAfter = worldSizeAt(this.ops, this.ops.length);
    if (sizeBefore.width !== sizeAfter.width || sizeBefore.height !== sizeAfter.height) {
      this.resize();
    }
    this.play();
  }

  setSpeed(speed: SpeedName): void {
    this.speed = speed;
    this.play();
  }

  get opCount(): number {
    return this.ops.length;
  }

  private play(): void {
    if (this.frameRequest !== null) return;
    this.lastFrameTime = null;
    this.frameRequest = requestAnimationFrame((time) => this.frame(time));
  }

  private frame(time: number): void {
    this.frameRequest = null;
    const seconds = this.lastFrameTime === null ? 0 : Math.min(0.1, (time - this.lastFrameTime) / 1000);
    this.lastFrameTime = time;
    this.position = advance(this.ops, this.position, SPEEDS[this.speed], seconds);
    this.render();
    if (!isComplete(this.ops, this.position)) {
      this.frameRequest = requestAnimationFrame((t) => this.frame(t));
    }
  }

  private resize(): void {
    const world = worldSizeAt(this.ops, this.ops.length);
    const cssWidth = Math.max(1, this.container.clientWidth);
    const cssHeight = Math.max(
      1,
      Math.min((cssWidth * world.height) / world.width, window.innerHeight * MAX_HEIGHT_SHARE),
    );
    this.pixelRatio = window.devicePixelRatio || 1;
    const width = Math.round(cssWidth * this.pixelRatio);
    const height = Math.round(cssHeight * this.pixelRatio);
    this.canvas.style.height = `${cssHeight}px`;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.ink.width = width;
      this.ink.height = height;
    }
    this.transform = fitWorld(world.width, world.height, width, height);
    this.inkStale = true;
    this.render();
  }

  private render(): void {
    const view = this.canvas.getContext("2d");
    const inkContext = this.ink.getContext("2d");
    if (!view || !inkContext) return;
    this.updateInk(inkContext);
    view.setTransform(1, 0, 0, 1, 0, 0);
    view.clearRect(0, 0, this.canvas.width, this.canvas.height);
    view.drawImage(this.ink, 0, 0);
    const current = this.ops[this.position.done];
    const looks = new Map(this.looks);
    if (current && (current.kind === "line" || current.kind === "move") && this.position.partial > 0) {
      const to = lerpPoint(current.from, current.to, this.position.partial);
      const partialOp = { ...current, to };
      if (partialOp.kind === "line") this.paintOp(view, partialOp);
      applyToLooks(looks, partialOp);
    }
    for (const look of looks.values()) if (look.visible) this.paintTurtle(view, look);
  }

  /** Brings the ink canvas up to `position.done` ops, incrementally when it can. */
  private updateInk(context: CanvasRenderingContext2D): void {
    const target = this.position.done;
    const needsRepaint =
      this.inkStale ||
      target < this.inked ||
      this.ops.slice(this.inked, target).some((op) => op.kind === "clear" || op.kind === "fill" || op.kind === "screen");
    if (!needsRepaint && target === this.inked) return;
    if (needsRepaint) {
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.fillStyle = backgroundAt(this.ops, target) ?? DEFAULT_BACKGROUND;
      context.fillRect(0, 0, this.ink.width, this.ink.height);
      for (const index of paintOrder(this.ops, target)) this.paintOp(context, this.ops[index]);
      this.looks = new Map();
      for (let i = 0; i < target; i++) applyToLooks(this.looks, this.ops[i]);
    } else {
      for (let i = this.inked; i < target; i++) {
        this.paintOp(context, this.ops[i]);
        applyToLooks(this.looks, this.ops[i]);
      }
    }
    this.inked = target;
    this.inkStale = false;
  }

  private point(p: Point): Point {
    return toCanvas(this.transform, p);
  }

  private paintOp(context: CanvasRenderingContext2D, op: TurtleOp): void {
    const scale = this.transform.scale;
    switch (op.kind) {
      case "line": {
        const [x1, y1] = this.point(op.from);
        const [x2, y2] = this.point(op.to);
        context.strokeStyle = op.color;
        context.lineWidth = Math.max(this.pixelRatio, op.width * scale);
        context.lineCap = "round";
        context.beginPath();
        context.moveTo(x1, y1);
        context.lineTo(x2, y2);
        context.stroke();
        return;
      }
      case "fill": {
        if (op.points.length < 3) return;
        context.fillStyle = op.color;
        context.beginPath();
        op.points.forEach((p, i) => {
          const [x, y] = this.point(p);
          if (i === 0) context.moveTo(x, y);
          else context.lineTo(x, y);
        });
        context.closePath();
        // evenodd matches what Tk does with self-crossing shapes such as a star.
        context.fill("evenodd");
        return;
      }
      case "dot": {
        const [x, y] = this.point(op.at);
        context.fillStyle = op.color;
        context.beginPath();
        context.arc(x, y, Math.max(this.pixelRatio, (op.diameter * scale) / 2), 0, Math.PI * 2);
        context.fill();
        return;
      }
      case "text": {
        const [x, y] = this.point(op.at);
        const size = Math.max(6 * this.pixelRatio, op.font.size * scale);
        context.fillStyle = op.color;
        context.font = `${op.font.style} ${size}px ${op.font.family}`;
        context.textAlign = op.align;
        context.textBaseline = "alphabetic";
        context.fillText(op.text, x, y);
        return;
      }
      case "move":
      case "pose":
      case "screen":
      case "clear":
        return;
    }
  }

  private paintTurtle(context: CanvasRenderingContext2D, look: TurtleLook): void {
    const [x, y] = this.point(look.at);
    const size = TURTLE_SIZE * this.pixelRatio;
    context.save();
    context.translate(x, y);
    // Canvas y points down, so a counter-clockwise turtle heading is a negative angle.
    context.rotate((-look.heading * Math.PI) / 180);
    context.beginPath();
    context.moveTo(size, 0);
    context.lineTo(-size * 0.6, size * 0.6);
    context.lineTo(-size * 0.3, 0);
    context.lineTo(-size * 0.6, -size * 0.6);
    context.closePath();
    context.fillStyle = look.color;
    context.strokeStyle = "#ffffff";
    context.lineWidth = this.pixelRatio;
    context.fill();
    context.stroke();
    context.restore();
  }
}
