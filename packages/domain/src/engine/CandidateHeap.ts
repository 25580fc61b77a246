/**
 * The engine's order over one request's candidates, as a binary heap of their positions:
 * unseen before seen, then the higher value, then the lower position (input order). The owner
 * writes a candidate's `values[i]` and `seen[i]` before adding or pushing it. Used by
 * `Ranking.rank` and by the API's search, which re-values candidates as it reads their counters,
 * so both walk candidates in exactly one order.
 */
export class CandidateHeap {
  readonly values: Float64Array
  readonly seen: Uint8Array
  readonly #heap: Int32Array
  #size = 0

  /** Room for positions 0 .. capacity - 1. */
  constructor(capacity: number) {
    this.values = new Float64Array(capacity)
    this.seen = new Uint8Array(capacity)
    this.#heap = new Int32Array(capacity)
  }

  /** How many positions are in the heap. */
  get size(): number {
    return this.#size
  }

  /** How many positions it has room for (0 .. capacity - 1). */
  get capacity(): number {
    return this.#heap.length
  }

  /** Empties the heap, to be used again (`values` and `seen` are written before each add anyway). */
  clear(): void {
    this.#size = 0
  }

  /** Adds a position without restoring the order: call `heapify` after the last one (O(n) in all). */
  add(i: number): void {
    this.#heap[this.#size++] = i
  }

  heapify(): void {
    for (let i = (this.#size >> 1) - 1; i >= 0; i--) this.#siftDown(i)
  }

  /** Adds a position in order, O(log n). */
  push(i: number): void {
    const heap = this.#heap
    let at = this.#size++
    heap[at] = i
    while (at > 0) {
      const parent = (at - 1) >> 1
      if (!this.before(heap[at]!, heap[parent]!)) return
      heap[at] = heap[parent]!
      heap[parent] = i
      at = parent
    }
  }

  /** Takes the first position out, O(log n); undefined when empty. */
  pop(): number | undefined {
    if (this.#size === 0) return undefined
    const heap = this.#heap
    const best = heap[0]!
    this.#size--
    if (this.#size > 0) {
      heap[0] = heap[this.#size]!
      this.#siftDown(0)
    }
    return best
  }

  /** Whether position a comes before b. */
  before(a: number, b: number): boolean {
    const seen = this.seen
    if (seen[a] !== seen[b]) return seen[a]! < seen[b]!
    const va = this.values[a]!
    const vb = this.values[b]!
    return va > vb || (va === vb && a < b)
  }

  #siftDown(from: number): void {
    const heap = this.#heap
    const size = this.#size
    let i = from
    for (;;) {
      const left = 2 * i + 1
      if (left >= size) return
      let child = left
      const right = left + 1
      if (right < size && this.before(heap[right]!, heap[left]!)) child = right
      if (!this.before(heap[child]!, heap[i]!)) return
      const swap = heap[i]!
      heap[i] = heap[child]!
      heap[child] = swap
      i = child
    }
  }
}
