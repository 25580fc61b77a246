import { Engine } from "@adflow/domain"

const { BUCKET_COUNT, bucketOf } = Engine.ClickRate

/**
 * Impressions and clicks this API instance observed itself, by ML-score bucket, kept until the
 * shared counts in Redis (`ClickLearning`) are known to hold them, so that the engine learns from
 * its own answers at once instead of at the next read of the shared counts.
 *
 * An observed impression is already in Redis (the API records it there before observing it), so
 * the next read that begins after it holds it. A click reaches Redis only through the processor,
 * a fraction of a second later, so it is kept one read longer. Between a read and the one that
 * forgets it, an observation may be counted twice or, rarely, not at all; either lasts one read.
 */
export class LocalClickObservations {
  #impressions = new Float64Array(BUCKET_COUNT)
  #clicks = new Float64Array(BUCKET_COUNT)
  /** Clicks observed before the previous read began: forgotten when the next read answers. */
  #clicksBeforeLastRead = new Float64Array(BUCKET_COUNT)

  impression(score: number): void {
    this.#impressions[bucketOf(score)]!++
  }

  click(score: number): void {
    this.#clicks[bucketOf(score)]!++
  }

  /** Call as a read of the shared counts begins; hand the mark to `readAnswered`. */
  readBegins(): ReadMark {
    return { impressions: this.#impressions.slice(), clicks: this.#clicks.slice() }
  }

  /** The read that began at `mark` answered: forget what it holds. */
  readAnswered(mark: ReadMark): void {
    for (let b = 0; b < BUCKET_COUNT; b++) {
      this.#impressions[b] = this.#impressions[b]! - mark.impressions[b]!
      this.#clicks[b] = this.#clicks[b]! - this.#clicksBeforeLastRead[b]!
    }
    this.#clicksBeforeLastRead = Float64Array.from(mark.clicks, (c, b) => c - this.#clicksBeforeLastRead[b]!)
  }

  /** The shared counts plus what is observed here and not yet forgotten. */
  addTo(shared: Engine.ClickRate.BucketCounts): Array<Engine.ClickRate.BucketCount> {
    return Array.from({ length: BUCKET_COUNT }, (_, b) => {
      const count = shared[b]
      return {
        // Never below the shared counts, should reads ever overlap.
        impressions: (count?.impressions ?? 0) + Math.max(0, this.#impressions[b]!),
        clicks: (count?.clicks ?? 0) + Math.max(0, this.#clicks[b]!),
      }
    })
  }
}

export interface ReadMark {
  readonly impressions: Float64Array
  readonly clicks: Float64Array
}
