/**
 * How a simulated user decides to click, given the ML score of (client, advertiser). These
 * live only in the simulator: the engine never sees them and has to learn from clicks.
 * Scores are generated in [0, SCORE_SCALE]; higher scores are clamped.
 */
export const SCORE_SCALE = 1000

export interface ClickModel {
  readonly name: string
  readonly description: string
  /** Probability in [0, 1] that a shown ad is clicked. */
  readonly probability: (score: number) => number
}

const unit = (score: number) => Math.min(1, Math.max(0, score / SCORE_SCALE))

export const clickModels: ReadonlyArray<ClickModel> = [
  {
    name: "logistic",
    description: "S-curve in the score: 1% at score 0, 30% at mid-scale, 60% at the top",
    probability: (score) => 0.6 / (1 + Math.exp(-10 * (unit(score) - 0.5))) + 0.01 * (1 - unit(score)),
  },
  {
    name: "linear",
    description: "2% + 38% × score/scale",
    probability: (score) => 0.02 + 0.38 * unit(score),
  },
  {
    name: "step",
    description: "5% below 70% of the scale, 45% from there",
    probability: (score) => (unit(score) >= 0.7 ? 0.45 : 0.05),
  },
  {
    name: "flat",
    description: "20% whatever the score: relevance does not pay",
    probability: () => 0.2,
  },
  {
    name: "inverse",
    description: "40% × (1 − score/scale): the score misleads, only learning from clicks helps",
    probability: (score) => 0.4 * (1 - unit(score)),
  },
]

export const clickModelNames = clickModels.map((m) => m.name)

export const findClickModel = (name: string): ClickModel | undefined =>
  clickModels.find((m) => m.name === name)
