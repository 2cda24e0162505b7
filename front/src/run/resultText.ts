// Turns a result record into the kid-level sentence and the "took / used" line.

import type { I18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/messages";
import { FINAL_STATUSES, type RunResult } from "./frames";

export function resultMessageKey(status: string): MessageKey {
  return (FINAL_STATUSES as readonly string[]).includes(status)
    ? (`result.${status}` as MessageKey)
    : "result.unknown";
}

/** Seconds with two decimals for quick programs, one above 10 s: "0.03", "12.5". */
export function formatSeconds(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  return seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1);
}

/** Memory in the unit a kid can read: "900 KB", "9.4 MB", "1.2 GB" (powers of 1024). */
export function formatMemory(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function resultStats(i18n: I18n, result: RunResult): string | null {
  if (typeof result.wall_ms !== "number") return null;
  const seconds = formatSeconds(result.wall_ms);
  if (typeof result.memory_peak_bytes === "number" && result.memory_peak_bytes > 0) {
    return i18n.t("result.stats", { seconds, memory: formatMemory(result.memory_peak_bytes) });
  }
  return i18n.t("result.statsTimeOnly", { seconds });
}
