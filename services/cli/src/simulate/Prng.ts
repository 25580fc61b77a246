/**
 * mulberry32: a tiny 32-bit PRNG, good enough for a market simulation and fully reproducible.
 * Every random choice of a run comes from one instance seeded by `--seed`, drawn in a fixed
 * order (never from concurrent fibers), so a seed reproduces the run against the same engine.
 */
export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<A>(items: ReadonlyArray<A>): A {
    if (items.length === 0) throw new Error("Prng.pick on an empty list")
    return items[Math.floor(this.next() * items.length)]!
  }

  /** A price with whole cents in [min, max]. */
  cents(min: number, max: number): number {
    return this.int(Math.round(min * 100), Math.round(max * 100)) / 100
  }

  shuffle<A>(items: ReadonlyArray<A>): Array<A> {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = out[i]!
      out[i] = out[j]!
      out[j] = tmp
    }
    return out
  }

  /** A version-4 shaped UUID, lower-case. */
  uuid(): string {
    const hex = (n: number) =>
      Array.from({ length: n }, () => Math.floor(this.next() * 16).toString(16)).join("")
    const variant = (8 + Math.floor(this.next() * 4)).toString(16)
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`
  }
}
