// A reconnecting client is sent every frame of the job again from the start (contract:
// "a client that connects late is sent everything from the start first; nothing is
// lost or reordered"). FrameDeduper decides which frames of a connection are new.
//
// sandpit-server numbers the frames of a job's log with `seq`: a frame is new when its
// seq is above the highest seen. Frames without a seq next to numbered ones belong to
// one connection only (the server's `error` replies) and are never replayed, so they
// pass. A server that numbers nothing is handled by position: the n-th frame of a
// replay is the n-th frame of the job, so the first `delivered` frames are old.

export class FrameDeduper {
  private highestSeq = Number.NEGATIVE_INFINITY;
  private seenSeq = false;
  /** How many frames (by position in the job's stream) have been let through. */
  private delivered = 0;
  private positionInConnection = 0;

  /** Call when a new socket opens; its frames start again from position 1. */
  newConnection(): void {
    this.positionInConnection = 0;
  }

  /** True if the frame should be shown, false if it was shown before. */
  accept(seq: number | undefined): boolean {
    if (typeof seq === "number" && Number.isFinite(seq)) {
      this.seenSeq = true;
      if (seq <= this.highestSeq) return false;
      this.highestSeq = seq;
      return true;
    }
    if (this.seenSeq) return true;
    this.positionInConnection += 1;
    if (this.positionInConnection <= this.delivered) return false;
    this.delivered = this.positionInConnection;
    return true;
  }
}
