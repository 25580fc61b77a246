import { Effect } from "effect"

/**
 * Progress of a long run on stderr: events done, events/s and time left. On a terminal one
 * line is redrawn in place; otherwise a line is printed every few seconds (logs stay readable).
 */
export const reporter = (label: string) => {
  const started = Date.now()
  const tty = process.stderr.isTTY === true
  let lastPrinted = 0
  const line = (done: number, total: number) => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000)
    const rate = done / seconds
    const left = rate > 0 ? Math.max(0, total - done) / rate : Infinity
    const percent = total > 0 ? ((100 * done) / total).toFixed(1) : "100.0"
    return `${label}: ${done.toLocaleString("en")} / ${total.toLocaleString("en")} events (${percent}%)  ${Math.round(rate).toLocaleString("en")} events/s  ${Number.isFinite(left) ? `${Math.ceil(left)}s left` : ""}`
  }
  return {
    update: (done: number, total: number) =>
      Effect.sync(() => {
        const now = Date.now()
        if (tty) process.stderr.write(`\r\x1b[2K${line(done, total)}`)
        else if (now - lastPrinted >= 2_000) {
          process.stderr.write(`${line(done, total)}\n`)
          lastPrinted = now
        }
      }),
    finish: (done: number, total: number) =>
      Effect.sync(() => {
        process.stderr.write(
          `${tty ? "\r\x1b[2K" : ""}${line(done, total)}  done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
        )
      }),
  }
}
