import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { ackSubjectNumber } from "../src/Delivery.js"

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/)
const count = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })

describe("ackSubjectNumber", () => {
  it("reads the delivery count, stream sequence and pending count of every form of ack subject nats' msg.info reads", () =>
    fc.assert(
      fc.property(
        token,
        token,
        token,
        token,
        count,
        count,
        count,
        count,
        fc.option(token, { nil: undefined }),
        fc.boolean(),
        (domain, hash, stream, consumer, deliveries, streamSeq, deliverySeq, pending, random, withDomain) => {
          const tail = `${deliveries}.${streamSeq}.${deliverySeq}.1700000000000000000.${pending}`
          const subject = withDomain
            ? `$JS.ACK.${domain}.${hash}.${stream}.${consumer}.${tail}${random === undefined ? "" : `.${random}`}`
            : `$JS.ACK.${stream}.${consumer}.${tail}`
          assert.strictEqual(ackSubjectNumber(subject, "deliveryCount"), deliveries)
          assert.strictEqual(ackSubjectNumber(subject, "streamSeq"), streamSeq)
          assert.strictEqual(ackSubjectNumber(subject, "pending"), pending)
        },
      ),
    ))

  it("answers 0 (so the caller falls back to nats' own parse) for anything else", () => {
    const cases: ReadonlyArray<readonly [string, "deliveryCount" | "streamSeq" | "pending"]> = [
      ["", "streamSeq"],
      ["reply.inbox.1", "streamSeq"],
      ["$JS.ACK.s.c.1.2.3", "streamSeq"],
      ["$JS.ACK.s.c.x.2.3.4.5", "deliveryCount"],
      ["$JS.ACK.s.c.1.-2.3.4.5", "streamSeq"],
      ["$JS.ACK.s.c.1..3.4.5", "streamSeq"],
      ["$JS.ACK.s.c.1.99999999999999999999.3.4.5", "streamSeq"],
      ["$JS.ACK.s.c.1.2.3.4.x5", "pending"],
    ]
    for (const [subject, which] of cases) assert.strictEqual(ackSubjectNumber(subject, which), 0, subject)
  })
})
