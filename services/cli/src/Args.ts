import { Data, Effect } from "effect"

export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** `--name value` and `--flag` pairs; anything else is a usage error. */
export const parse = (args: ReadonlyArray<string>, known: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const values = new Map<string, string>()
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (!arg.startsWith("--")) return yield* new UsageError({ message: `unexpected argument '${arg}'` })
      const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined]
      if (!known.includes(name)) return yield* new UsageError({ message: `unknown option --${name}` })
      const next = args[i + 1]
      if (inline !== undefined) values.set(name, inline)
      else if (next !== undefined && !next.startsWith("--")) {
        values.set(name, next)
        i++
      } else values.set(name, "true")
    }
    return values
  })

export const integer = (values: Map<string, string>, name: string, fallback?: number) =>
  Effect.gen(function* () {
    const raw = values.get(name)
    if (raw === undefined) {
      if (fallback === undefined) return undefined
      return fallback
    }
    const value = Number(raw)
    if (!Number.isSafeInteger(value) || value < 0) {
      return yield* new UsageError({ message: `--${name} must be a non-negative integer, got '${raw}'` })
    }
    return value
  })

export const date = (values: Map<string, string>, name: string) =>
  Effect.gen(function* () {
    const raw = values.get(name)
    if (raw === undefined) return undefined
    const value = new Date(raw)
    if (Number.isNaN(value.getTime()))
      return yield* new UsageError({ message: `--${name} must be an ISO time, got '${raw}'` })
    return value
  })
