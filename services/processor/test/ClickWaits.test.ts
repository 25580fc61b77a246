import type { Delivery } from "@adflow/bus"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { ClickWaits, LANE_WAIT_MS, MAX_WAIT_MS } from "../src/ClickWaits.js"
import { type Arrival, DeliveryFeed } from "../src/DeliveryFeed.js"
import type { Routed } from "../src/Routed.js"

/** Deliveries arriving at one process, in the order of the calls. */
const arrivals = () => {
  const feed = new DeliveryFeed()
  const arrive = (kind: "impression" | "click", streamSeq: number, pending = 5): Routed => {
    const delivery = { kind, streamSeq, pending, replayed: false } as Delivery
    return { delivery, event: Either.left("only the delivery matters here"), arrival: feed.arrive(delivery) }
  }
  return { feed, arrive }
}

const seqs = (routed: ReadonlyArray<Routed>) => routed.map((r) => r.delivery.streamSeq)

/** A lane's batch whose counters were applied, having taken what had arrived up to `taken`. */
const applied = (waits: ClickWaits, taken: Arrival, now = 0) =>
  waits.release(now, undefined, taken).wait.countersApplied()

describe("DeliveryFeed", () => {
  it("stamps each delivery with its place, the highest impression so far and when impressions last ran dry", () => {
    const { arrive } = arrivals()
    const stamps = [
      arrive("impression", 3),
      arrive("click", 9, 0),
      arrive("impression", 7, 0),
      arrive("impression", 5, 2),
      arrive("click", 12),
    ].map((r) => r.arrival)
    assert.deepStrictEqual(stamps, [
      { receipt: 1, impressionHigh: 3, drainedAt: 0 },
      // A click with none pending says nothing of the impressions.
      { receipt: 2, impressionHigh: 3, drainedAt: 0 },
      { receipt: 3, impressionHigh: 7, drainedAt: 3 },
      // A redelivered impression lowers nothing.
      { receipt: 4, impressionHigh: 7, drainedAt: 3 },
      { receipt: 5, impressionHigh: 7, drainedAt: 3 },
    ])
  })
})

describe("ClickWaits", () => {
  it("tells its lane of each click it holds, and of no refused one", () => {
    const { feed, arrive } = arrivals()
    let told = 0
    const waits = new ClickWaits(() => told++)
    const { wait } = waits.release(0, undefined, feed.now())
    assert.isTrue(wait.hold(arrive("click", 4), false))
    assert.isTrue(wait.hold(arrive("click", 5), true))
    assert.strictEqual(told, 2)
    // Waited too long: refused (nak'd instead), and the lane is not told.
    const late = waits.release(MAX_WAIT_MS, undefined, feed.now())
    assert.strictEqual(late.due.length, 2)
    assert.isFalse(late.wait.hold(late.due[0]!, false))
    assert.strictEqual(told, 2)
  })

  it("releases a click once its lane has applied what arrived up to an impression stored after it, without the floor", () => {
    const { feed, arrive } = arrivals()
    const waits = new ClickWaits()
    const click = arrive("click", 10)
    assert.isTrue(waits.release(0, undefined, feed.now()).wait.hold(click, false))
    assert.isFalse(waits.needsFloor(LANE_WAIT_MS - 1, 0))

    const before = arrive("impression", 8)
    // Taken but its counters not applied yet: nothing is released.
    assert.deepStrictEqual(waits.release(1, undefined, before.arrival).due, [])
    applied(waits, before.arrival, 2)
    assert.deepStrictEqual(waits.release(3, undefined, feed.now()).due, [])

    const after = arrive("impression", 9)
    applied(waits, after.arrival, 4)
    // Applied up to 9: every impression stored before the click at 10 has passed the lane.
    assert.deepStrictEqual(seqs(waits.release(5, undefined, feed.now()).due), [10])
    assert.strictEqual(waits.size, 0)
  })

  it("releases the clicks that arrived before the impression consumer ran dry, once the lane has applied that far", () => {
    const { feed, arrive } = arrivals()
    const waits = new ClickWaits()
    const early = arrive("click", 20)
    waits.release(0, undefined, feed.now()).wait.hold(early, false)
    const last = arrive("impression", 15, 0)
    const late = arrive("click", 30)
    waits.release(0, undefined, feed.now()).wait.hold(late, false)
    applied(waits, last.arrival)
    // The click at 30 arrived after the impression consumer ran dry: its impression may be newer.
    assert.deepStrictEqual(seqs(waits.release(1, undefined, feed.now()).due), [20])
    assert.strictEqual(waits.size, 1)
  })

  it("passes a click once the process has received an impression stored after it, though none came to its lane", () => {
    const { feed, arrive } = arrivals()
    const waits = new ClickWaits()
    waits.release(0, undefined, feed.now()).wait.hold(arrive("click", 10), false)
    // Another lane's impression: this lane takes nothing new, so it has caught up with it.
    arrive("impression", 11)
    waits.caughtUp(feed.now())
    assert.deepStrictEqual(seqs(waits.release(1, undefined, feed.now()).due), [10])
  })

  it("asks for the floor for a click its lane has not passed within LANE_WAIT_MS, once no impression has arrived for as long, and lets the floor release it", () => {
    const { feed, arrive } = arrivals()
    const waits = new ClickWaits()
    waits.release(0, undefined, feed.now()).wait.hold(arrive("click", 10), false)
    waits.release(0, undefined, feed.now()).wait.hold(arrive("click", 30), false)
    assert.isFalse(waits.needsFloor(LANE_WAIT_MS - 1, 0))
    // Impressions still arrive: they will pass the clicks in time.
    assert.isFalse(waits.needsFloor(LANE_WAIT_MS, LANE_WAIT_MS - 10))
    assert.isTrue(waits.needsFloor(LANE_WAIT_MS, 0))
    const { due, wait } = waits.release(LANE_WAIT_MS, 20, feed.now())
    assert.deepStrictEqual(seqs(due), [10])
    // Released by the floor: the handler must ask the floor again, not wait on the lane.
    assert.isFalse(wait.waitsForLane(due[0]!))
    assert.strictEqual(waits.size, 1)
  })

  it("lets only the floor release a click that its lane passed and that still found no impression", () => {
    const { feed, arrive } = arrivals()
    const waits = new ClickWaits()
    const click = arrive("click", 10)
    const start = waits.release(0, undefined, arrive("impression", 12).arrival).wait
    start.countersApplied()
    // The lane passed it: the handler asks the floor, which (another instance still holds an
    // impression) does not pass it, so it waits for the floor.
    assert.isFalse(start.waitsForLane(click))
    assert.isTrue(start.hold(click, true))
    // Waiting for the floor, it asks at once, whatever arrives.
    assert.isTrue(waits.needsFloor(1, 1))
    applied(waits, arrive("impression", 50, 0).arrival, 2)
    assert.deepStrictEqual(seqs(waits.release(3, 5, feed.now()).due), [])
    const released = waits.release(4, 9, feed.now())
    assert.deepStrictEqual(seqs(released.due), [10])
    assert.isFalse(released.wait.waitsForLane(click))
  })

  it("keeps a click's first wait start across holds, and refuses it once MAX_WAIT_MS has passed", () => {
    const { feed, arrive } = arrivals()
    const waits = new ClickWaits()
    const click = arrive("click", 10)
    waits.release(100, undefined, feed.now()).wait.hold(click, false)
    applied(waits, arrive("impression", 11).arrival, 150)
    const again = waits.release(200, undefined, feed.now())
    assert.deepStrictEqual(seqs(again.due), [10])
    // Still no impression, and the floor does not pass it: held again, its wait began at 100.
    assert.isTrue(again.wait.hold(click, true))
    assert.isTrue(waits.needsFloor(200, 200))
    const expired = waits.release(100 + MAX_WAIT_MS, 0, feed.now())
    assert.deepStrictEqual(seqs(expired.due), [10])
    assert.isFalse(expired.wait.waitsForLane(click))
    assert.isFalse(expired.wait.hold(click, true))
    assert.strictEqual(waits.size, 0)
  })

  it("waits on the lane for a new click only while the lane has not applied an impression stored after it", () => {
    const { arrive } = arrivals()
    const waits = new ClickWaits()
    const ten = arrive("click", 10)
    const eleven = arrive("click", 11)
    const { wait } = waits.release(0, undefined, arrive("impression", 9).arrival)
    assert.isTrue(wait.waitsForLane(ten))
    wait.countersApplied()
    assert.isFalse(wait.waitsForLane(ten))
    assert.isTrue(wait.waitsForLane(eleven))
    // An earlier batch's mark, applied late, moves nothing back.
    waits.release(0, undefined, ten.arrival).wait.countersApplied()
    assert.isFalse(wait.waitsForLane(ten))
  })

  it.prop(
    "releases each held click exactly once, by expiry, the floor, or a lane that has passed it, and never by its lane once it waits for the floor",
    {
      steps: fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant("click" as const),
            seq: fc.integer({ min: 1, max: 200 }),
            forFloor: fc.boolean(),
          }),
          fc.record({
            op: fc.constant("impression" as const),
            seq: fc.integer({ min: 1, max: 200 }),
            pending: fc.integer({ min: 0, max: 3 }),
          }),
          fc.record({ op: fc.constant("apply" as const) }),
          fc.record({ op: fc.constant("caughtUp" as const) }),
          fc.record({
            op: fc.constant("release" as const),
            advance: fc.integer({ min: 0, max: 4_000 }),
            floor: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
            upTo: fc.integer({ min: 0, max: 100 }),
          }),
        ),
        { maxLength: 80 },
      ),
    },
    ({ steps }) => {
      const { feed, arrive } = arrivals()
      const waits = new ClickWaits()
      const marks: Array<Arrival> = []
      let now = 0
      let taken = feed.now()
      let wait = waits.release(now, undefined, taken).wait
      let through: Arrival = taken
      const waiting = new Map<Delivery, { click: Routed; forFloor: boolean; since: number }>()
      for (const step of steps) {
        if (step.op === "click") {
          const click = arrive("click", step.seq)
          marks.push(click.arrival)
          if (wait.hold(click, step.forFloor))
            waiting.set(click.delivery, { click, forFloor: step.forFloor, since: now })
        } else if (step.op === "impression") {
          marks.push(arrive("impression", step.seq, step.pending).arrival)
        } else if (step.op === "caughtUp") {
          // The lane found nothing new.
          const now = feed.now()
          waits.caughtUp(now)
          if (now.receipt > through.receipt) through = now
        } else if (step.op === "apply") {
          // The last batch's counters are applied.
          wait.countersApplied()
          if (taken.receipt > through.receipt) through = taken
        } else {
          now += step.advance
          // The batch takes what arrived up to some point.
          taken = marks[Math.floor((step.upTo / 100) * (marks.length - 1))] ?? feed.now()
          const released = waits.release(now, step.floor, taken)
          wait = released.wait
          const due = (held: { click: Routed; forFloor: boolean; since: number }) => {
            const seq = held.click.delivery.streamSeq
            const expired = now - held.since >= MAX_WAIT_MS
            const byFloor = step.floor !== undefined && step.floor >= seq - 1
            const byLane =
              !held.forFloor &&
              (through.impressionHigh >= seq - 1 || held.click.arrival.receipt < through.drainedAt)
            return expired || byFloor || byLane
          }
          for (const routed of released.due) {
            const held = waiting.get(routed.delivery)
            assert.isDefined(held, "released twice, or never held")
            assert.isTrue(due(held!), `released ${routed.delivery.streamSeq} without cause`)
            waiting.delete(routed.delivery)
          }
          for (const held of waiting.values())
            assert.isFalse(due(held), `kept ${held.click.delivery.streamSeq} though it is due`)
          assert.strictEqual(waits.size, waiting.size)
        }
      }
      assert.sameMembers(waits.deliveries(), [...waiting.keys()])
    },
  )
})
