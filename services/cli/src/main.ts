// Placeholder until the pipeline lands: `migrate` and `seed` succeed doing nothing.
const [command] = process.argv.slice(2)
if (command !== "migrate" && command !== "seed") {
  console.error(`adflow: unknown command '${command ?? ""}'`)
  process.exit(2)
}
