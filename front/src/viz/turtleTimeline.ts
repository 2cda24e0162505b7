// How far the replay has got: `done` ops are completely drawn and the op after them is
// `partial` (0..1) of the way along. Advancing by a time step spends a travel budget
// (speed × seconds) across as many ops as it covers. Pure, so it is unit-tested.

import { travelLength, type TurtleOp } from "./turtleOps";

export interface TimelinePosition {
  done: number;
  partial: number;
}

export function advance(
  ops: readonly TurtleOp[],
  position: TimelinePosition,
  unitsPerSecond: number,
  seconds: number,
): TimelinePosition {
  let { done, partial } = position;
  if (!Number.isFinite(unitsPerSecond)) return { done: ops.length, partial: 0 };
  let budget = Math.max(0, unitsPerSecond * seconds);
  while (done < ops.length) {
    const length = travelLength(ops[done]);
    const remaining = length * (1 - partial);
    if (remaining <= budget) {
      budget -= remaining;
      done += 1;
      partial = 0;
      continue;
    }
    partial += budget / length;
    break;
  }
  return { done, partial };
}

export function isComplete(ops: readonly TurtleOp[], position: TimelinePosition): boolean {
  return position.done >= ops.length;
}
