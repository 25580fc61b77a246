import type { MlScore } from "./Market.js"

/**
 * What happened in a run, in the order the simulator issued it: the oracle replays this tape
 * offline, so it answers exactly the requests the engine answered, under the same prices and
 * scores. Requests of one phase run concurrently against the API; the tape keeps issue order.
 */
export type TapeEvent =
  | { readonly _tag: "Day"; readonly day: number }
  | { readonly _tag: "Request"; readonly clientId: string }
  | {
      readonly _tag: "Score"
      readonly clientId: string
      readonly advertiserId: string
      readonly score: number
    }
  | {
      readonly _tag: "Price"
      readonly key: number
      readonly cost_per_impression: number
      readonly cost_per_click: number
    }

/** The tape's record of a score change the API accepted. */
export const scoreChanged = (score: MlScore): TapeEvent => ({
  _tag: "Score",
  clientId: score.client_id,
  advertiserId: score.advertiser_id,
  score: score.score,
})
