import { Engine } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"

const { Pacing } = Engine
const policy = Pacing.defaultPolicy

/** A schedule, a day anywhere around it, and impressions from 0 to past the limit. */
const caseArb = fc
  .record({
    start: fc.integer({ min: 0, max: 20 }),
    length: fc.integer({ min: 0, max: 20 }),
    limit: fc.integer({ min: 0, max: 1_000 }),
    dayOffset: fc.integer({ min: -3, max: 25 }),
    used: fc.double({ min: 0, max: 1.2, noNaN: true }),
  })
  .map(({ dayOffset, length, limit, start, used }) => ({
    schedule: { impressions_limit: limit, start_date: start, end_date: start + length },
    day: start + dayOffset,
    impressions: Math.floor(limit * used),
  }))

describe("Pacing.pace", () => {
  it("is not eligible before the start or after the end, nor at or over the limit", () => {
    fc.assert(
      fc.property(caseArb, ({ day, impressions, schedule }) => {
        const p = Pacing.pace(schedule, impressions, day)
        if (day < schedule.start_date) assert.deepStrictEqual(p, { eligible: false, reason: "not_started" })
        else if (day > schedule.end_date) assert.deepStrictEqual(p, { eligible: false, reason: "ended" })
        else if (impressions >= schedule.impressions_limit)
          assert.deepStrictEqual(p, { eligible: false, reason: "limit_reached" })
        else assert.isTrue(p.eligible)
      }),
    )
  })

  it("on the last day uses everything left: the whole remainder is today's share, at the highest factor", () => {
    fc.assert(
      fc.property(caseArb, ({ impressions, schedule }) => {
        const p = Pacing.pace(schedule, impressions, schedule.end_date)
        if (!p.eligible) return
        assert.strictEqual(p.daysLeft, 1)
        assert.strictEqual(p.todayShare, schedule.impressions_limit - impressions)
        assert.strictEqual(p.factor, policy.maxFactor)
      }),
    )
  })

  it("spreads the remainder over the days left, today included", () => {
    fc.assert(
      fc.property(caseArb, ({ day, impressions, schedule }) => {
        const p = Pacing.pace(schedule, impressions, day)
        if (!p.eligible) return
        assert.strictEqual(p.daysLeft, schedule.end_date - day + 1)
        assert.strictEqual(p.remaining, schedule.impressions_limit - impressions)
        assert.isAtLeast(p.todayShare * p.daysLeft, p.remaining)
        assert.isBelow((p.todayShare - 1) * p.daysLeft, p.remaining)
      }),
    )
  })

  it("the factor stays within bounds, falls as delivery grows and rises as days pass", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 100 }), ({ day, impressions, schedule }, more) => {
        const p = Pacing.pace(schedule, impressions, day)
        if (!p.eligible) return
        assert.isTrue(p.factor >= policy.minFactor && p.factor <= policy.maxFactor)
        const ahead = Pacing.pace(schedule, impressions + more, day)
        if (ahead.eligible) assert.isAtMost(ahead.factor, p.factor)
        const later = Pacing.pace(schedule, impressions, day + 1)
        if (later.eligible) assert.isAtLeast(later.factor, p.factor)
      }),
    )
  })

  it("boosts a campaign behind schedule and damps one ahead of it", () => {
    const schedule = { impressions_limit: 100, start_date: 1, end_date: 10 }
    // Day 5 of 10: 50 are due by tonight.
    assert.isAbove(Pacing.factorOf(schedule, 10, 5), 1)
    assert.isBelow(Pacing.factorOf(schedule, 90, 5), 1)
    assert.strictEqual(Pacing.factorOf(schedule, 50, 5), 1)
    // The first day of a long campaign is not boosted into exhausting it.
    assert.isAtMost(Pacing.factorOf({ ...schedule, end_date: 30 }, 0, 1), 1.1)
  })
})
