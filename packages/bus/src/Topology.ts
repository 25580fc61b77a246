import { streamName, subject } from "./Naming.js"

/** The kinds of event on the bus; each has its own subject and durable consumer. */
export const EVENT_KINDS = ["impression", "click", "score"] as const
export type EventKind = (typeof EVENT_KINDS)[number]

/**
 * Every name the system uses on NATS, derived from one prefix ("adflow" in production):
 * - `<prefix>.events.<kind>` in stream `<PREFIX>_EVENTS`, consumed by durable `processor-<kind>`;
 * - `<prefix>.deadletter.<kind>` in stream `<PREFIX>_DEADLETTER`;
 * - `<prefix>.changes.<entity>` on core NATS (not persisted), for cache refreshes.
 */
export interface Topology {
  readonly prefix: string
  readonly eventsStream: string
  readonly deadLetterStream: string
  readonly eventSubject: (kind: EventKind) => string
  readonly deadLetterSubject: (kind: EventKind | "*") => string
  readonly changeSubject: (entity: string) => string
  readonly consumerName: (kind: EventKind) => string
  readonly kindOfSubject: (subject: string) => EventKind | undefined
}

export const make = (prefix: string): Topology => {
  const eventSubject = (kind: EventKind) => subject(prefix, "events", kind)
  const byEventSubject = new Map(EVENT_KINDS.map((kind) => [eventSubject(kind), kind]))
  return {
    prefix,
    eventsStream: streamName(prefix, "EVENTS"),
    deadLetterStream: streamName(prefix, "DEADLETTER"),
    eventSubject,
    deadLetterSubject: (kind) => subject(prefix, "deadletter", kind),
    changeSubject: (entity) => subject(prefix, "changes", entity),
    consumerName: (kind) => `processor-${kind}`,
    kindOfSubject: (s) => byEventSubject.get(s),
  }
}
