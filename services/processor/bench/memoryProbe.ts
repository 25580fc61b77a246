// Imported into a benchmarked processor (`node --import ./memoryProbe.ts`): prints its memory
// on stdout every ADFLOW_MEMORY_PROBE_MS so the parent can report RSS and heap under load.
const every = Number(process.env.ADFLOW_MEMORY_PROBE_MS ?? "0")
if (every > 0) {
  setInterval(() => {
    const { rss, heapUsed, heapTotal } = process.memoryUsage()
    process.stdout.write(`BENCH_MEM ${JSON.stringify({ rss, heapUsed, heapTotal })}\n`)
  }, every).unref()
}
