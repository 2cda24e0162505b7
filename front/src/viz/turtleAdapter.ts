// Translates the runtime's turtle visualization frames into the replayer's ops.
// PROVISIONAL: written before docs/visualization.md existed; it accepts frames that
// carry the replayer's own ops (`{"kind":"turtle","ops":[...]}`) and will be rewritten
// against the documented format.

import type { TurtleOp } from "./turtleOps";

export function turtleOpsFromFrame(frame: Record<string, unknown>): TurtleOp[] {
  const ops = frame.ops;
  if (!Array.isArray(ops)) return [];
  return ops.filter(
    (op): op is TurtleOp => typeof op === "object" && op !== null && typeof (op as { kind?: unknown }).kind === "string",
  );
}
