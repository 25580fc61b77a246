/**
 * The highest impressions count this instance has read per campaign, by the campaign's `slot`
 * (see `ServingCampaign`): a lower bound of the live count, which keeps the optimistic value of a
 * campaign not read yet close to its true value. An array rather than a map keyed by id: the ad
 * request looks up every candidate's floor, and a typed array costs a fraction of a string-keyed
 * lookup there.
 */
export class ImpressionFloors {
  #counts = new Float64Array(1024)

  /** The floor of the campaign in `slot` (0 when none was read). */
  get(slot: number): number {
    return slot < this.#counts.length ? this.#counts[slot]! : 0
  }

  /** Raises the floor of the campaign in `slot` to `impressions` (never lowers it). */
  raise(slot: number, impressions: number): void {
    if (slot >= this.#counts.length) {
      const grown = new Float64Array(Math.max(slot + 1, 2 * this.#counts.length))
      grown.set(this.#counts)
      this.#counts = grown
    }
    if (impressions > this.#counts[slot]!) this.#counts[slot] = impressions
  }
}
