import type { Delivery } from "@adflow/bus"
import { type Arrival, nothing } from "./DeliveryFeed.js"
import type { Routed } from "./Routed.js"

/** How long a click may wait in its lane for its impression before it is nak'd instead. */
export const MAX_WAIT_MS = 10_000
/**
 * How long a click waits on what its lane has seen before the impression consumer's ack floor
 * is asked as well, if by then no impression has arrived for as long either: another instance
 * may have taken the impression, and its lane will not pass it. While impressions arrive, they
 * pass the click in time (they come in stream order), however slowly. The floor is asked this
 * sparingly because asking is what costs: nats-server 2.9 recounts a consumer's pending
 * messages after a consumer info request, and during a backlog's drain that doubled its CPU per
 * event.
 */
export const LANE_WAIT_MS = 1_000

/**
 * Whether every impression stored before the message at `seq` has been applied, given the
 * impression consumer's ack floor (everything at or below it is acknowledged).
 */
export const impressionsAppliedBefore = (floor: number, seq: number): boolean => floor >= seq - 1

interface Waiting {
  readonly routed: Routed
  /** Date.now() when it first began to wait. */
  readonly since: number
  /** Only the server's ack floor may release it: its lane's progress already passed it once. */
  readonly forFloor: boolean
}

type Released = Omit<Waiting, "routed"> | "expired"

/** What the batch handler learns from, and tells, the lane that handles a batch. */
export interface ClickWait {
  /** The batch's counters are applied: the lane has applied what had arrived when it took the batch. */
  readonly countersApplied: () => void
  /**
   * Whether a click that found no impression may keep waiting on what its lane has seen, without
   * the server's floor: by that, the click's impression may still be on its way.
   */
  readonly waitsForLane: (click: Pick<Routed, "delivery" | "arrival">) => boolean
  /** Takes a click that has to wait; false: refuse it (it is nak'd instead). */
  readonly hold: (click: Routed, forFloor: boolean) => boolean
}

/**
 * The clicks one lane holds until their impression may have been applied. A campaign's
 * impressions and clicks share a lane, the lane takes what arrives in order, and a consumer
 * delivers in stream order, so once the lane has applied every message that arrived up to some
 * point (its `through` Arrival), it has applied every impression of its campaigns stored before
 * `through.impressionHigh`, and, when the impression consumer then had nothing left to deliver,
 * every one stored before a click that arrived before that. Unless the impression was delivered
 * elsewhere (another instance, or a crashed process's delivery awaiting redelivery) or its batch
 * failed: this is only a hint. A click that still finds no impression waits for the impression
 * consumer's ack floor instead, the server's word, before it is nak'd or dead-lettered; so does
 * one that has waited LANE_WAIT_MS while no impressions arrived.
 */
export class ClickWaits {
  private through: Arrival = nothing
  private readonly waiting = new Map<Delivery, Waiting>()

  /**
   * `onHold` is told of each click taken to wait: a batch holds its clicks only once it is
   * written, when its lane may already be waiting for new messages with none to come, and the
   * lane must then look at its waiting clicks again (`LaneQueue.wake`). Without it, such a click
   * waited for the consumer's 30 s ack wait to send it again.
   */
  private readonly onHold: () => void

  constructor(onHold: () => void = () => {}) {
    this.onHold = onHold
  }

  get size(): number {
    return this.waiting.size
  }

  deliveries(): Array<Delivery> {
    return [...this.waiting.keys()]
  }

  /**
   * Whether some click can now be released only by the impression consumer's ack floor, given
   * when the process's latest impression arrived.
   */
  needsFloor(now: number, lastImpressionAt: number): boolean {
    const stalled = now - lastImpressionAt >= LANE_WAIT_MS
    for (const { forFloor, since } of this.waiting.values())
      if (forFloor || (stalled && now - since >= LANE_WAIT_MS)) return true
    return false
  }

  /** The lane had nothing new: it has applied everything that arrived for it up to `taken`. */
  caughtUp(taken: Arrival): void {
    if (taken.receipt > this.through.receipt) this.through = taken
  }

  /**
   * Takes out the clicks to try again: those whose wait expired, those the lane has passed, and
   * those the ack floor passed (`floor`, when it was asked). The context returned goes to the
   * batch handler with them; `taken` is where the lane's deliveries stood when it took the
   * batch's new messages.
   */
  release(
    now: number,
    floor: number | undefined,
    taken: Arrival,
  ): { readonly due: Array<Routed>; readonly wait: ClickWait } {
    const due: Array<Routed> = []
    const released = new Map<Delivery, Released>()
    for (const [delivery, { routed, since, forFloor }] of this.waiting) {
      let outcome: Released | undefined
      if (now - since >= MAX_WAIT_MS) outcome = "expired"
      else if (floor !== undefined && impressionsAppliedBefore(floor, delivery.streamSeq))
        outcome = { since, forFloor: true }
      else if (!forFloor && this.passed(routed)) outcome = { since, forFloor }
      if (outcome === undefined) continue
      this.waiting.delete(delivery)
      due.push(routed)
      released.set(delivery, outcome)
    }
    return { due, wait: this.contextFor(released, now, taken) }
  }

  /** Whether, by what the lane has applied, the click's impression should have been applied. */
  private passed(click: Pick<Routed, "delivery" | "arrival">): boolean {
    return (
      impressionsAppliedBefore(this.through.impressionHigh, click.delivery.streamSeq) ||
      click.arrival.receipt < this.through.drainedAt
    )
  }

  private contextFor(released: Map<Delivery, Released>, now: number, taken: Arrival): ClickWait {
    return {
      // Batches of a lane apply their counters in the order they were taken.
      countersApplied: () => this.caughtUp(taken),
      waitsForLane: (click) => {
        const before = released.get(click.delivery)
        if (before === "expired" || before?.forFloor) return false
        return !this.passed(click) && now - (before?.since ?? now) < LANE_WAIT_MS
      },
      hold: (click, forFloor) => {
        const before = released.get(click.delivery)
        if (before === "expired") return false
        this.waiting.set(click.delivery, {
          routed: click,
          since: before?.since ?? now,
          forFloor: forFloor || (before?.forFloor ?? false),
        })
        this.onHold()
        return true
      },
    }
  }
}
