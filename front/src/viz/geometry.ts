// Turtle space → canvas pixels, cursor shapes, and Tk's text placement and fonts in
// canvas terms. Pure; unit-tested.

import type { Font, Pts } from "./wire";

export interface WorldTransform {
  scale: number;
  /** Canvas pixel position of the turtle origin. */
  originX: number;
  originY: number;
}

/** Fits a world of worldWidth × worldHeight into the canvas, centred, keeping its shape. */
export function fitWorld(worldWidth: number, worldHeight: number, canvasWidth: number, canvasHeight: number): WorldTransform {
  const scale = Math.min(canvasWidth / worldWidth, canvasHeight / worldHeight);
  return { scale, originX: canvasWidth / 2, originY: canvasHeight / 2 };
}

/** Turtle space has y pointing up; the canvas has it pointing down. */
export function toCanvas(t: WorldTransform, x: number, y: number): [number, number] {
  return [t.originX + x * t.scale, t.originY - y * t.scale];
}

/**
 * A cursor shape's points (in the turtle's own frame, where +y is "forward", as
 * CPython's shapes are drawn) placed at (x, y) facing `headingDeg`, in turtle space.
 * This is CPython's RawTurtle._polytrafo.
 */
export function placeShape(shape: Pts, x: number, y: number, headingDeg: number): Pts {
  const radians = (headingDeg * Math.PI) / 180;
  const e0 = Math.cos(radians);
  const e1 = Math.sin(radians);
  const out: Pts = [];
  for (let i = 0; i + 1 < shape.length; i += 2) {
    const sx = shape[i];
    const sy = shape[i + 1];
    out.push(x + e1 * sx + e0 * sy, y - e0 * sx + e1 * sy);
  }
  return out;
}

/** Where Tk puts text relative to its anchor point, as canvas textAlign/textBaseline. */
export function textPlacement(anchor: string): { align: CanvasTextAlign; baseline: CanvasTextBaseline } {
  // Tk anchors are compass points (n, ne, e, … nw) or "center".
  const a = anchor.toLowerCase() === "center" ? "" : anchor.toLowerCase();
  const align: CanvasTextAlign = a.includes("w") ? "left" : a.includes("e") ? "right" : "center";
  const baseline: CanvasTextBaseline = a.startsWith("n") ? "top" : a.startsWith("s") ? "bottom" : "middle";
  return { align, baseline };
}

/**
 * A CSS font for a Tk font at `scale`. Tk sizes are points when positive and pixels
 * when negative; a point is 4/3 pixel at the usual 96 dpi.
 */
export function cssFont(font: Font, scale: number): string {
  const [family, size, style] = font;
  const pixels = (size < 0 ? -size : (size * 4) / 3) * scale;
  const words = style.toLowerCase().split(/\s+/);
  const italic = words.includes("italic") ? "italic " : "";
  const bold = words.includes("bold") ? "bold " : "";
  const safeFamily = family.replace(/["\\;{}]/g, "");
  return `${italic}${bold}${Math.max(1, pixels).toFixed(1)}px "${safeFamily}", "Noto Sans CJK SC", sans-serif`;
}
