import { Keys } from "@adflow/counters"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { campaignId, clientId } from "./fixtures.js"

// Redis cluster hashes only the part between the first "{" and the next "}" when it is non-empty.
const hashTag = (key: string): string => {
  const open = key.indexOf("{")
  const close = open < 0 ? -1 : key.indexOf("}", open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

// What Redis' glob matcher does for the characters escapeGlob handles; other characters are literal.
const globMatches = (pattern: string, text: string): boolean => {
  const source = pattern.replace(/\\(.)|([*?[\]])|([^\\*?[\]])/g, (_, escaped, special, plain) => {
    if (escaped !== undefined) return escaped.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    if (special === "*") return ".*"
    if (special === "?") return "."
    if (special !== undefined) return special
    return plain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  })
  return new RegExp(`^${source}$`, "s").test(text)
}

describe("Keys", () => {
  it("puts all keys of one campaign, and of one client, in one cluster slot, after any prefix", () => {
    const prefix = "adflow:"
    const campaign = campaignId()
    const client = clientId()
    const campaignTags = [Keys.seen(campaign), Keys.clicked(campaign), Keys.totals(campaign)].map((k) =>
      hashTag(prefix + k),
    )
    assert.deepStrictEqual(new Set(campaignTags), new Set([`c:${campaign}`]))
    const clientTags = [Keys.scores(client), Keys.scoresAt(client)].map((k) => hashTag(prefix + k))
    assert.deepStrictEqual(new Set(clientTags), new Set([`u:${client}`]))
  })

  it("a campaign's tag plus each suffix is exactly that key, in the same slot (what the read script relies on)", () => {
    const campaign = campaignId()
    const tag = Keys.campaignTag(campaign)
    assert.strictEqual(tag + Keys.CampaignKeySuffix.seen, Keys.seen(campaign))
    assert.strictEqual(tag + Keys.CampaignKeySuffix.clicked, Keys.clicked(campaign))
    assert.strictEqual(tag + Keys.CampaignKeySuffix.totals, Keys.totals(campaign))
    assert.strictEqual(hashTag("adflow:" + tag), `c:${campaign}`)
  })

  it("names every key differently", () => {
    const campaign = campaignId()
    const client = clientId()
    const keys = [
      Keys.seen(campaign),
      Keys.clicked(campaign),
      Keys.totals(campaign),
      Keys.scores(client),
      Keys.scoresAt(client),
    ]
    assert.strictEqual(new Set(keys).size, keys.length)
  })

  it("the owned pattern matches counter and score keys under the prefix only", () => {
    const pattern = Keys.ownedPattern("p:")
    const campaign = campaignId()
    const client = clientId()
    for (const key of [Keys.seen(campaign), Keys.totals(campaign), Keys.scores(client)])
      assert.isTrue(globMatches(pattern, `p:${key}`))
    assert.isFalse(globMatches(pattern, "p:day"))
    assert.isFalse(globMatches(pattern, `q:${Keys.seen(campaign)}`))
    assert.isFalse(globMatches(pattern, `p:x:${Keys.seen(campaign)}`))
  })

  it.prop(
    "an escaped literal matches itself and not a different string",
    [fc.string(), fc.string()],
    ([literal, other]) => {
      const pattern = Keys.escapeGlob(literal)
      assert.isTrue(globMatches(pattern, literal))
      if (other !== literal) assert.isFalse(globMatches(pattern, other))
    },
  )
})
