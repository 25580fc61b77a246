import { Effect } from "effect"

/**
 * A lane's queue of routed messages: a plain array that one lane fiber takes from in batches.
 * Not an Effect `Queue`: its `takeUpTo` builds the batch element by element as a `Chunk` (a
 * new chunk node per element, then a reverse), and its list allocates a node per offer; those
 * were ~9% of the bytes the processor allocated. Unbounded, but never large: the server stops
 * delivering at the consumers' max_ack_pending.
 */
export class LaneQueue<A> {
  private items: Array<A> = []
  private head = 0
  private wakeWaiter: (() => void) | undefined = undefined

  get size(): number {
    return this.items.length - this.head
  }

  /** Adds an item; wakes the fiber waiting in `awaitItems`, if any. */
  offer(item: A): void {
    this.items.push(item)
    this.wake()
  }

  /**
   * Wakes the fiber waiting in `awaitItems`, if any, with no item: its lane has something else to
   * look at (a click it now holds, see `ClickWaits`).
   */
  wake(): void {
    const wake = this.wakeWaiter
    if (wake !== undefined) {
      this.wakeWaiter = undefined
      wake()
    }
  }

  /** Removes and answers up to `max` items, oldest first. */
  takeUpTo(max: number): Array<A> {
    const end = Math.min(this.items.length, this.head + max)
    const taken = this.items.slice(this.head, end)
    this.head = end
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return taken
  }

  /** Everything still queued (for a shutdown). */
  takeAll(): Array<A> {
    return this.takeUpTo(Number.MAX_SAFE_INTEGER)
  }

  /**
   * Completes once the queue holds at least one item, or on `wake`. One waiting fiber at a time
   * (the lane's).
   */
  readonly awaitItems: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.size > 0) return resume(Effect.void)
    this.wakeWaiter = () => resume(Effect.void)
    return Effect.sync(() => {
      this.wakeWaiter = undefined
    })
  })
}
