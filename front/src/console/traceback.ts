// Finds Python's traceback in what the program wrote to stderr, so the console can fold
// it away behind the friendly card. Pure; unit-tested.

const TRACEBACK_START = "Traceback (most recent call last):";

/**
 * Where the last traceback starts in `stderr`, or -1. It runs to the end of stderr:
 * Python prints it as the program dies. A traceback chained with "During handling of
 * the above exception…" starts at the first traceback of that chain.
 */
export function tracebackStart(stderr: string): number {
  let start = stderr.lastIndexOf(TRACEBACK_START);
  if (start < 0) return -1;
  for (;;) {
    const before = stderr.lastIndexOf(TRACEBACK_START, start - 1);
    if (before < 0) break;
    const between = stderr.slice(before, start);
    const chained =
      between.includes("During handling of the above exception, another exception occurred:") ||
      between.includes("The above exception was the direct cause of the following exception:");
    if (!chained) break;
    start = before;
  }
  return start;
}
