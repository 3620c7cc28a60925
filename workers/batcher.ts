/**
 * Collects items for up to `maxWaitMs` or `maxSize` items, then writes them
 * with one call. Each `add()` resolves when its own item is written, so a
 * BullMQ job completes only once its row is durable. When a batch write
 * fails, its items are retried one by one: one bad row fails only its own job.
 */
export interface BatcherOptions {
  maxSize: number;
  maxWaitMs: number;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Batcher<T> {
  private pending: Pending<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Once draining (shutdown), every item is written at once instead of waiting for a batch. */
  private draining = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly opts: BatcherOptions,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.draining || this.pending.length >= this.opts.maxSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.maxWaitMs);
    });
  }

  /**
   * Shutdown: writes what is pending now, stops waiting for batches to fill,
   * and resolves when every write in progress is done.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  get size(): number {
    return this.pending.length;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const p = this.writeBatch(batch).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async writeBatch(batch: Pending<T>[]): Promise<void> {
    try {
      await this.write(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
    }
    for (const p of batch) {
      try {
        await this.write([p.item]);
        p.resolve();
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
