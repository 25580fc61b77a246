import type { Delivery } from "@adflow/bus"
import type { Routed } from "./Routed.js"

/** How long a click may wait in its lane for its impression before it is nak'd instead. */
export const MAX_WAIT_MS = 10_000
/**
 * How long a click waits on its lane's own progress before the impression consumer's ack floor
 * is asked as well. Asking is what costs: nats-server 2.9 recounts a consumer's pending messages
 * after a consumer info request, and during a backlog's drain that doubled its CPU per event.
 */
export const LANE_WAIT_MS = 1_000

/**
 * Whether every impression stored before the message at `seq` has been applied, given an ack
 * floor (everything at or below it is acknowledged) or a lane's highest applied impression.
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
  /** The lane applied the counters of the impression at `seq`. */
  readonly impressionsApplied: (seq: number) => void
  /**
   * Whether a click its impression has not reached may keep waiting on the lane's own progress,
   * without the server's floor: the lane has not yet applied an impression stored after it.
   */
  readonly waitsForLane: (click: Delivery) => boolean
  /** Takes a click that has to wait; false: refuse it (it is nak'd instead). */
  readonly hold: (click: Routed, forFloor: boolean) => boolean
}

/**
 * The clicks one lane holds until their impression may have been applied. Impressions and clicks
 * of a campaign share a lane and a consumer delivers in stream order, so once the lane has
 * applied an impression stored after a click, the click's own impression has been applied too,
 * unless it was delivered elsewhere (another instance, or a crashed process's delivery awaiting
 * redelivery) or its batch failed. That is only a hint: a click that still finds no impression
 * waits for the impression consumer's ack floor, the server's word, before it is nak'd or
 * dead-lettered; so does one whose lane has not moved for LANE_WAIT_MS (the end of a backlog).
 */
export class ClickWaits {
  private appliedHigh = 0
  private readonly waiting = new Map<Delivery, Waiting>()

  get size(): number {
    return this.waiting.size
  }

  deliveries(): Array<Delivery> {
    return [...this.waiting.keys()]
  }

  /** Whether some click can now be released only by the impression consumer's ack floor. */
  needsFloor(now: number): boolean {
    for (const { forFloor, since } of this.waiting.values())
      if (forFloor || now - since >= LANE_WAIT_MS) return true
    return false
  }

  /**
   * Takes out the clicks to try again: those whose wait expired, those the lane's progress passed,
   * and those the ack floor passed (`floor`, when it was asked). The context returned goes to the
   * batch handler with them.
   */
  release(now: number, floor: number | undefined): { readonly due: Array<Routed>; readonly wait: ClickWait } {
    const due: Array<Routed> = []
    const released = new Map<Delivery, Released>()
    for (const [delivery, { routed, since, forFloor }] of this.waiting) {
      const seq = delivery.streamSeq
      let outcome: Released | undefined
      if (now - since >= MAX_WAIT_MS) outcome = "expired"
      else if (floor !== undefined && impressionsAppliedBefore(floor, seq))
        outcome = { since, forFloor: true }
      else if (!forFloor && impressionsAppliedBefore(this.appliedHigh, seq)) outcome = { since, forFloor }
      if (outcome === undefined) continue
      this.waiting.delete(delivery)
      due.push(routed)
      released.set(delivery, outcome)
    }
    return { due, wait: this.contextFor(released, now) }
  }

  private contextFor(released: Map<Delivery, Released>, now: number): ClickWait {
    return {
      impressionsApplied: (seq) => {
        if (seq > this.appliedHigh) this.appliedHigh = seq
      },
      waitsForLane: (click) => {
        const before = released.get(click)
        if (before === "expired" || before?.forFloor) return false
        return (
          !impressionsAppliedBefore(this.appliedHigh, click.streamSeq) &&
          now - (before?.since ?? now) < LANE_WAIT_MS
        )
      },
      hold: (click, forFloor) => {
        const before = released.get(click.delivery)
        if (before === "expired") return false
        this.waiting.set(click.delivery, {
          routed: click,
          since: before?.since ?? now,
          forFloor: forFloor || (before?.forFloor ?? false),
        })
        return true
      },
    }
  }
}
