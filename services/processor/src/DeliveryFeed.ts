import type { Delivery } from "@adflow/bus"

/**
 * Where this process's deliveries stood when a message arrived. A consumer delivers in stream
 * order (first deliveries), so when a message arrives, every impression this process will be
 * given that is stored at or before `impressionHigh` has arrived before it; and every impression
 * stored before the one that arrived `drainedAt` (the server then had none left to deliver) has.
 */
export interface Arrival {
  /** The message's place in this process's arrival order, from 1. */
  readonly receipt: number
  /** The highest stream sequence of the impressions that had arrived by then (itself included). */
  readonly impressionHigh: number
  /** The receipt of the latest impression that came with none left to deliver behind it (0: none yet). */
  readonly drainedAt: number
}

/** Stamps each delivery of the process, in the order they arrive, with its Arrival. */
export class DeliveryFeed {
  private received = 0
  private impressionHigh = 0
  private drainedAt = 0
  /** Date.now() when the latest impression arrived (0: none yet). */
  lastImpressionAt = 0

  arrive(delivery: Delivery): Arrival {
    this.received += 1
    if (delivery.kind === "impression") {
      this.lastImpressionAt = Date.now()
      if (delivery.streamSeq > this.impressionHigh) this.impressionHigh = delivery.streamSeq
      if (delivery.pending === 0) this.drainedAt = this.received
    }
    return this.now()
  }

  /** Everything that has arrived so far. */
  now(): Arrival {
    return { receipt: this.received, impressionHigh: this.impressionHigh, drainedAt: this.drainedAt }
  }
}

/** Before anything arrived; also what a replayed message carries (a replay never waits). */
export const nothing: Arrival = { receipt: 0, impressionHigh: 0, drainedAt: 0 }
