import type { Events } from "@adflow/domain"

type ScoreUpdate = Events.ScoreUpdate

/**
 * One entry per distinct key: the value is the last one given for that key, the position is
 * where the key first appeared. A set-based upsert cannot touch the same row twice, so a batch
 * is collapsed before it is sent.
 */
export const lastWinsBy = <A>(rows: ReadonlyArray<A>, key: (row: A) => string): Array<A> => {
  const byKey = new Map<string, A>()
  for (const row of rows) byKey.set(key(row), row)
  return Array.from(byKey.values())
}

export const scorePairKey = (update: Pick<ScoreUpdate, "client_id" | "advertiser_id">): string =>
  `${update.client_id}:${update.advertiser_id}`

/**
 * The newest update per (client, advertiser) pair by `at`; between equal `at`s the later one in
 * the batch wins, as it would if the two had arrived in separate batches.
 */
export const latestScorePerPair = (updates: ReadonlyArray<ScoreUpdate>): Array<ScoreUpdate> => {
  const byPair = new Map<string, ScoreUpdate>()
  for (const update of updates) {
    const key = scorePairKey(update)
    const current = byPair.get(key)
    if (current === undefined || current.at <= update.at) byPair.set(key, update)
  }
  return Array.from(byPair.values())
}

/**
 * Sorted copy by a string key. Concurrent batches that lock the same rows in the same order
 * wait for each other instead of deadlocking.
 */
export const sortedBy = <A>(rows: ReadonlyArray<A>, key: (row: A) => string): Array<A> =>
  [...rows].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : 0
  })

/** RETURNING gives rows in no particular order; this puts them back in the caller's order. */
export const inInputOrder = <A>(
  wanted: ReadonlyArray<A>,
  stored: ReadonlyArray<A>,
  key: (row: A) => string,
) => {
  const byKey = new Map(stored.map((row) => [key(row), row] as const))
  return wanted.map((row) => byKey.get(key(row)) ?? row)
}
