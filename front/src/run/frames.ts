// The shapes the server sends, from the outside contract (shared/contract.md) and the
// server's docs/api.md. Everything arriving over the wire is untrusted input: parseFrame
// checks the fields the UI relies on and drops anything it doesn't understand.

/** Kid-level explanation of an error, made by the runtime (docs/friendly-errors.md). */
export interface Explanation {
  lang?: string;
  /** The exception's name, e.g. "NameError". */
  error?: string;
  title?: string;
  message?: string;
  /** 1-based line in the kid's program. */
  line?: number | null;
  hint?: string;
  /** The source of the line the error points at. */
  code_line?: string;
  /** A longer analysis (English only), for the curious. */
  details?: string;
  /** The raw traceback, when the runtime sends it along. */
  traceback?: string;
}

/** The result record from the contract; extra fields are kept but unused. */
export interface RunResult {
  status: string;
  exit_code?: number | null;
  signal?: number | string | null;
  stdout?: string;
  stderr?: string;
  truncated?: boolean;
  wall_ms?: number;
  cpu_ms?: number;
  memory_peak_bytes?: number;
  profile?: string;
  explanation?: Explanation | null;
}

export type ServerFrame =
  | { type: "status"; status: string; seq?: number }
  | { type: "stdout" | "stderr"; data: string; seq?: number }
  | { type: "visualization"; kind: string; seq?: number; [field: string]: unknown }
  | ({ type: "explanation"; seq?: number } & Explanation)
  | { type: "exit"; result: RunResult; seq?: number };

export const FINAL_STATUSES = [
  "ok",
  "error",
  "timeout",
  "memory_limit",
  "output_limit",
  "killed",
  "cancelled",
  "internal_error",
] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses one WebSocket text message into a JSON object, or null. */
export function decodeMessage(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

/** Checks a decoded message; null if it isn't a frame we know how to show. */
export function toFrame(value: Record<string, unknown>): ServerFrame | null {
  if (typeof value.type !== "string") return null;
  if (value.seq !== undefined && typeof value.seq !== "number") delete value.seq;
  switch (value.type) {
    case "status":
      return typeof value.status === "string" ? (value as ServerFrame) : null;
    case "stdout":
    case "stderr":
      return typeof value.data === "string" ? (value as ServerFrame) : null;
    case "visualization":
      return typeof value.kind === "string" ? (value as ServerFrame) : null;
    case "explanation":
      return value as ServerFrame;
    case "exit":
      return isObject(value.result) && typeof value.result.status === "string"
        ? (value as ServerFrame)
        : null;
    default:
      return null;
  }
}
