import { EventPublisher } from "@adflow/bus"
import { Api, Events } from "@adflow/domain"
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { orUnavailable } from "../Unavailable.js"

/**
 * `POST /ml-scores` publishes a score update; the processor applies it (last writer wins by
 * `at`). Ids are not looked up: the contract declares no 404 here, producers may publish scores
 * straight to the bus for any pair, and a score for a client or advertiser that does not (yet)
 * exist only takes effect if they appear.
 */
export const MlScoresHandlers = HttpApiBuilder.group(Api.AdflowApi, "mlScores", (handlers) =>
  Effect.gen(function* () {
    const publisher = yield* EventPublisher
    // Strictly increasing in this process: two updates of one pair in the same millisecond get
    // different `at`, hence different event ids, and the later one wins.
    let lastAt = 0
    const nextAt = () => (lastAt = Math.max(Date.now(), lastAt + 1))

    return handlers.handle("upsertMLScore", ({ payload }) =>
      Effect.suspend(() => {
        const at = nextAt()
        return publisher.publish(
          new Events.ScoreUpdate(
            {
              v: Events.SCHEMA_VERSION,
              event_id: Events.scoreId(payload.client_id, payload.advertiser_id, at),
              client_id: payload.client_id,
              advertiser_id: payload.advertiser_id,
              score: payload.score,
              at,
            },
            true,
          ),
        )
      }).pipe(Effect.asVoid, orUnavailable),
    )
  }),
)
