import { EventCodec, type Delivery } from "@adflow/bus"
import type { Events } from "@adflow/domain"
import { Either } from "effect"
import { type Arrival, nothing } from "./DeliveryFeed.js"

/** A delivery with its decoded event, or the reason it cannot be used. */
export interface Routed {
  readonly delivery: Delivery
  readonly event: Either.Either<Events.Event, string>
  readonly arrival: Arrival
}

export const decode = (delivery: Delivery, arrival: Arrival = nothing): Routed => ({
  delivery,
  event: EventCodec.decode(delivery.kind, delivery.data),
  arrival,
})

/**
 * The lane a message belongs to: a campaign's impressions and clicks share one lane (so they
 * apply in order), a client's score updates likewise; an undecodable message goes anywhere.
 */
export const laneOf = (routed: Routed, lanes: number): number => {
  const { event } = routed
  const key = Either.isLeft(event)
    ? String(routed.delivery.streamSeq)
    : event.right._tag === "score"
      ? event.right.client_id
      : event.right.campaign_id
  return fnv1a(key) % lanes
}

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
