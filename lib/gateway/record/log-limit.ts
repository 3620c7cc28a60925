/**
 * A cap on how many lines of one kind a process writes per second, so a
 * flood (a client hammering the gateway without a valid key) cannot fill the
 * disk through the process log. Fixed one-second windows: up to `perSecond`
 * lines are let through; the rest are counted, and the first line let through
 * in a later window reports how many were dropped before it (`suppressed`).
 */
export class LogLimit {
  private windowStart = -Infinity;
  private used = 0;
  private dropped = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `null`: drop this line. Otherwise write it, with the count dropped since the last line written. */
  take(): { suppressed: number } | null {
    const t = this.now();
    if (t - this.windowStart >= 1_000) {
      this.windowStart = t;
      this.used = 0;
    }
    if (this.used >= this.perSecond) {
      this.dropped++;
      return null;
    }
    this.used++;
    const suppressed = this.dropped;
    this.dropped = 0;
    return { suppressed };
  }
}
