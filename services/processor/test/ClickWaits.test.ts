import type { Delivery } from "@adflow/bus"
import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { ClickWaits, LANE_WAIT_MS, MAX_WAIT_MS } from "../src/ClickWaits.js"
import type { Routed } from "../src/Routed.js"

const clickAt = (streamSeq: number): Routed => ({
  delivery: { kind: "click", streamSeq, replayed: false } as Delivery,
  event: Either.left("only the delivery matters here"),
})

const seqs = (routed: ReadonlyArray<Routed>) => routed.map((r) => r.delivery.streamSeq)

describe("ClickWaits", () => {
  it("releases a click once its lane has applied an impression stored after it, without the floor", () => {
    const waits = new ClickWaits()
    const click = clickAt(10)
    assert.isTrue(waits.release(0, undefined).wait.hold(click, false))
    assert.isFalse(waits.needsFloor(LANE_WAIT_MS - 1))

    const first = waits.release(5, undefined)
    first.wait.impressionsApplied(8)
    assert.deepStrictEqual(first.due, [])
    assert.deepStrictEqual(seqs(waits.release(6, undefined).due), [])

    waits.release(7, undefined).wait.impressionsApplied(9)
    // Applied up to 9: every impression stored before the click at 10 has passed the lane.
    const second = waits.release(8, undefined)
    assert.deepStrictEqual(seqs(second.due), [10])
    assert.strictEqual(waits.size, 0)
  })

  it("asks for the floor for a click its lane has not passed within LANE_WAIT_MS, and lets the floor release it", () => {
    const waits = new ClickWaits()
    waits.release(0, undefined).wait.hold(clickAt(10), false)
    waits.release(0, undefined).wait.hold(clickAt(30), false)
    assert.isFalse(waits.needsFloor(LANE_WAIT_MS - 1))
    assert.isTrue(waits.needsFloor(LANE_WAIT_MS))
    const { due, wait } = waits.release(LANE_WAIT_MS, 20)
    assert.deepStrictEqual(seqs(due), [10])
    // Released by the floor: the handler must ask the floor again, not wait on the lane.
    assert.isFalse(wait.waitsForLane(due[0]!.delivery))
    assert.strictEqual(waits.size, 1)
  })

  it("lets only the floor release a click that its lane passed and that still found no impression", () => {
    const waits = new ClickWaits()
    const click = clickAt(10)
    const start = waits.release(0, undefined).wait
    start.impressionsApplied(12)
    // The lane passed it: the handler asks the floor, which (another instance still holds an
    // impression) does not pass it, so it waits for the floor.
    assert.isFalse(start.waitsForLane(click.delivery))
    assert.isTrue(start.hold(click, true))
    assert.isTrue(waits.needsFloor(1))
    waits.release(2, undefined).wait.impressionsApplied(50)
    assert.deepStrictEqual(seqs(waits.release(3, 5).due), [])
    const released = waits.release(4, 9)
    assert.deepStrictEqual(seqs(released.due), [10])
    assert.isFalse(released.wait.waitsForLane(click.delivery))
  })

  it("keeps a click's first wait start across holds, and refuses it once MAX_WAIT_MS has passed", () => {
    const waits = new ClickWaits()
    const click = clickAt(10)
    waits.release(100, undefined).wait.hold(click, false)
    waits.release(150, undefined).wait.impressionsApplied(11)
    const again = waits.release(200, undefined)
    assert.deepStrictEqual(seqs(again.due), [10])
    // Still no impression, and the floor does not pass it: held again, its wait began at 100.
    assert.isTrue(again.wait.hold(click, true))
    assert.isTrue(waits.needsFloor(200))
    const expired = waits.release(100 + MAX_WAIT_MS, 0)
    assert.deepStrictEqual(seqs(expired.due), [10])
    assert.isFalse(expired.wait.waitsForLane(click.delivery))
    assert.isFalse(expired.wait.hold(click, true))
    assert.strictEqual(waits.size, 0)
  })

  it("waits on the lane for a fresh click only while no impression stored after it has been applied", () => {
    const waits = new ClickWaits()
    const { wait } = waits.release(0, undefined)
    assert.isTrue(wait.waitsForLane(clickAt(10).delivery))
    wait.impressionsApplied(9)
    assert.isFalse(wait.waitsForLane(clickAt(10).delivery))
    assert.isTrue(wait.waitsForLane(clickAt(11).delivery))
    // A lower sequence (a redelivered impression) never lowers what the lane has passed.
    wait.impressionsApplied(3)
    assert.isFalse(wait.waitsForLane(clickAt(10).delivery))
  })

  it.prop(
    "releases each held click exactly once, never by its lane alone once it waits for the floor",
    {
      steps: fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant("hold" as const),
            seq: fc.integer({ min: 1, max: 200 }),
            forFloor: fc.boolean(),
          }),
          fc.record({ op: fc.constant("impression" as const), seq: fc.integer({ min: 1, max: 200 }) }),
          fc.record({
            op: fc.constant("release" as const),
            advance: fc.integer({ min: 0, max: 3_000 }),
            floor: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
          }),
        ),
        { maxLength: 60 },
      ),
    },
    ({ steps }) => {
      const waits = new ClickWaits()
      let now = 0
      let wait = waits.release(now, undefined).wait
      let appliedHigh = 0
      const waiting = new Map<Delivery, { forFloor: boolean; since: number }>()
      for (const step of steps) {
        if (step.op === "hold") {
          const click = clickAt(step.seq)
          if (wait.hold(click, step.forFloor))
            waiting.set(click.delivery, { forFloor: step.forFloor, since: now })
        } else if (step.op === "impression") {
          wait.impressionsApplied(step.seq)
          appliedHigh = Math.max(appliedHigh, step.seq)
        } else {
          now += step.advance
          const released = waits.release(now, step.floor)
          wait = released.wait
          for (const { delivery } of released.due) {
            const held = waiting.get(delivery)
            assert.isDefined(held, "released twice, or never held")
            const expired = now - held!.since >= MAX_WAIT_MS
            const byFloor = step.floor !== undefined && step.floor >= delivery.streamSeq - 1
            const byLane = !held!.forFloor && appliedHigh >= delivery.streamSeq - 1
            assert.isTrue(expired || byFloor || byLane, `released ${delivery.streamSeq} without cause`)
            waiting.delete(delivery)
          }
          assert.strictEqual(waits.size, waiting.size)
        }
      }
      assert.sameMembers(waits.deliveries(), [...waiting.keys()])
    },
  )
})
