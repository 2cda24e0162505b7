// Where the replay is: `done` ops are fully shown and the next one has been playing for
// `elapsedMs`. Advancing spends real time, scaled by the chosen speed, across as many
// ops as it covers. Pure; unit-tested.

export interface Playhead {
  done: number;
  elapsedMs: number;
}

/** The kid's speed setting: how many times faster than CPython's own pace. */
export const SPEEDS = {
  slow: 0.5,
  normal: 1,
  fast: 4,
  instant: Number.POSITIVE_INFINITY,
} as const;
export type SpeedName = keyof typeof SPEEDS;

export function isSpeedName(value: unknown): value is SpeedName {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(SPEEDS, value);
}

export function advance(durationsMs: readonly number[], head: Playhead, realMs: number, rate: number): Playhead {
  if (!Number.isFinite(rate)) return { done: durationsMs.length, elapsedMs: 0 };
  let budget = Math.max(0, realMs) * rate;
  let { done, elapsedMs } = head;
  while (done < durationsMs.length) {
    const remaining = durationsMs[done] - elapsedMs;
    if (remaining <= budget) {
      budget -= remaining;
      done += 1;
      elapsedMs = 0;
      continue;
    }
    elapsedMs += budget;
    break;
  }
  return { done, elapsedMs };
}
