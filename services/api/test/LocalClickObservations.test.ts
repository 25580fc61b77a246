import { Engine } from "@adflow/domain"
import { assert, describe, it } from "@effect/vitest"
import { LocalClickObservations } from "../src/LocalClickObservations.js"

const bucket = Engine.ClickRate.bucketOf(700)
const shared = (impressions: number, clicks: number): Engine.ClickRate.BucketCounts => {
  const counts: Array<Engine.ClickRate.BucketCount> = []
  counts[bucket] = { impressions, clicks }
  return counts
}

describe("LocalClickObservations", () => {
  it("adds what this instance observed to the shared counts at once", () => {
    const local = new LocalClickObservations()
    local.impression(700)
    local.impression(700)
    local.click(700)
    assert.deepStrictEqual(local.addTo(shared(10, 3))[bucket], { impressions: 12, clicks: 4 })
    assert.deepStrictEqual(local.addTo([])[Engine.ClickRate.bucketOf(0)], { impressions: 0, clicks: 0 })
  })

  it("forgets impressions once a read that began after them answered", () => {
    const local = new LocalClickObservations()
    local.impression(700)
    const mark = local.readBegins()
    local.impression(700) // after the read began: the read may not hold it
    local.readAnswered(mark)
    assert.deepStrictEqual(local.addTo(shared(1, 0))[bucket], { impressions: 2, clicks: 0 })
  })

  it("keeps clicks one read longer (the processor records them in the shared counts later)", () => {
    const local = new LocalClickObservations()
    local.click(700)
    local.readAnswered(local.readBegins())
    assert.strictEqual(local.addTo(shared(0, 0))[bucket]!.clicks, 1, "kept after the first read")
    local.click(700)
    local.readAnswered(local.readBegins())
    assert.strictEqual(local.addTo(shared(0, 1))[bucket]!.clicks, 2, "the first forgotten, the second kept")
    local.readAnswered(local.readBegins())
    assert.strictEqual(local.addTo(shared(0, 2))[bucket]!.clicks, 2, "both forgotten")
  })
})
