/**
 * The fast paths alone: one well-formed impression decoded (`FastDecode`) and encoded
 * (`FastEncode`) 300,000 times per round, ns per call after a warm-up round.
 *
 *   bash infra/local/pnpm.sh exec tsx packages/bus/bench/fast-codec.ts [--rounds 4]
 */
import { decode } from "../src/FastDecode.js"
import { encode } from "../src/FastEncode.js"

const CALLS = 300_000
const roundsAt = process.argv.indexOf("--rounds")
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 4

const text = JSON.stringify({
  v: 1,
  event_id: "imp:0b8e7f4e-1d2a-4c3b-9a8f-6e5d4c3b2a10:6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
  campaign_id: "0b8e7f4e-1d2a-4c3b-9a8f-6e5d4c3b2a10",
  advertiser_id: "1c9f8e7d-6c5b-4a39-8827-1605f4e3d2c1",
  client_id: "6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
  day: 3,
  cost: 1.5,
  score: 7,
  at: 1_700_000_000_000,
  _tag: "impression",
})
const event = decode("impression", text)
if (event === undefined) throw new Error("the sample impression should take the fast path")

const nsPerCall = (call: () => unknown) => {
  const start = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) call()
  return Number(process.hrtime.bigint() - start) / CALLS
}

for (let round = 0; round <= rounds; round++) {
  const decodeNs = nsPerCall(() => decode("impression", text))
  const encodeNs = nsPerCall(() => encode(event))
  if (round > 0)
    console.log(`round ${round}: decode ${decodeNs.toFixed(0)} ns, encode ${encodeNs.toFixed(0)} ns`)
}
