/**
 * How names are derived from the configured prefix ("adflow" by default). Subjects keep the
 * prefix as is; JetStream names may not contain dots, so they use it upper-cased.
 */
export const streamPrefix = (prefix: string): string => prefix.replace(/[^A-Za-z0-9_-]/g, "_").toUpperCase()

export const streamName = (prefix: string, base: string): string => `${streamPrefix(prefix)}_${base}`

export const subject = (prefix: string, ...parts: ReadonlyArray<string>): string =>
  [prefix, ...parts].join(".")
