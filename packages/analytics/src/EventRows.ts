import { Events, Money } from "@adflow/domain"

/**
 * A batch of events as the body of one `INSERT … FORMAT JSONEachRow`, built as text directly:
 * no row object and no JSON.stringify per row. The columns come in the `events` table's order
 * and the output is exactly what JSON.stringify of each row would give, one row per line.
 */

/** Characters JSON.stringify would escape: quote, backslash, controls, and (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/** A JSON string: plainly quoted when nothing in it needs escaping, else through JSON.stringify. */
const jsonString = (value: string): string =>
  NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`

/** A JSON number as JSON.stringify writes it (`null` for a non-finite one). */
const jsonNumber = (value: number): string => (Number.isFinite(value) ? `${value}` : "null")

/**
 * The campaign, advertiser and client ids are quoted without a check: their types are only made
 * by validating them as lower-case UUIDs (the schemas, or `WellFormed` in the bus' fast decoder),
 * so they hold nothing to escape, and checking three per row cost more than building the rest of
 * it. The event id is any string and is checked.
 */
export const jsonEachRow = (events: ReadonlyArray<Events.Impression | Events.Click>): string => {
  let text = ""
  for (const event of events) {
    text +=
      `{"event_id":${jsonString(event.event_id)},"kind":"${event._tag}"` +
      `,"campaign_id":"${event.campaign_id}","advertiser_id":"${event.advertiser_id}"` +
      `,"client_id":"${event.client_id}","day":${jsonNumber(event.day)}` +
      `,"cost_micros":${jsonNumber(Money.fromPrice(event.cost))}` +
      `,"score":${jsonNumber(event._tag === "impression" ? event.score : 0)},"at":${jsonNumber(event.at)}}\n`
  }
  return text
}

/**
 * `INSERT INTO <table>` of these events, the rows following the statement in the request's body
 * (sent with `client.command`: the client's `insert` only takes row objects, which it stringifies
 * one by one). `table` is a checked, qualified name (`Tables.qualified`), never input.
 */
export const insertStatement = (
  table: string,
  events: ReadonlyArray<Events.Impression | Events.Click>,
): string => `INSERT INTO ${table} FORMAT JSONEachRow\n${jsonEachRow(events)}`
