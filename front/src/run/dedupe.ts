// A reconnecting client is sent every frame of the job again from the start (contract:
// "a client that connects late is sent everything from the start first; nothing is
// lost or reordered"). FrameDeduper decides which frames of a connection are new.
//
// Frames with a numeric `seq` are new when their seq is above the highest seen.
// Frames without one are matched by position: the n-th frame of a replay is the n-th
// frame of the job, so the first `delivered` frames of a new connection are old.

export class FrameDeduper {
  private highestSeq = Number.NEGATIVE_INFINITY;
  /** How many frames (by position in the job's stream) have been let through. */
  private delivered = 0;
  private positionInConnection = 0;

  /** Call when a new socket opens; its frames start again from position 1. */
  newConnection(): void {
    this.positionInConnection = 0;
  }

  /** True if the frame should be shown, false if it was shown before. */
  accept(seq: number | undefined): boolean {
    this.positionInConnection += 1;
    if (typeof seq === "number" && Number.isFinite(seq)) {
      if (seq <= this.highestSeq) return false;
      this.highestSeq = seq;
      this.delivered = Math.max(this.delivered, this.positionInConnection);
      return true;
    }
    if (this.positionInConnection <= this.delivered) return false;
    this.delivered = this.positionInConnection;
    return true;
  }
}
