import { type BusError, EventPublisher } from "@adflow/bus"
import { Counters, type CountersError, ImpressionOutbox, MirroredAdmission } from "@adflow/counters"
import { type Ad, type ClientId, type Day, Engine, Errors } from "@adflow/domain"
import type { ClientRow } from "@adflow/store"
import { Effect, Exit, Option, Runtime } from "effect"
import { CampaignIndex } from "./CampaignIndex.js"
import { ClickRates } from "./ClickRates.js"
import { ClientCache } from "./ClientCache.js"
import { CurrentDay } from "./CurrentDay.js"
import { type Deciding, Decision, type Done } from "./Decision.js"
import { ImpressionFloors } from "./ImpressionFloors.js"
import * as EngineConfig from "./EngineConfig.js"
import * as Ranking from "./Ranking.js"
import { servingCounts } from "./ServingMetrics.js"

/** Why `GET /ads` has no answer: no such client or no ad for it (404), or a server failing (503). */
export type Failure = Errors.NotFound | CountersError | BusError | ClientReadError

type ClientReadError = Effect.Effect.Error<ReturnType<ClientCache["get"]>>

/**
 * `GET /ads`: the client and its candidates from memory (`CampaignIndex`), the client's scores
 * and the counters of the engine's most promising candidates in one Redis command, more windows
 * only when needed (see `Ranking`), `Engine.Ranking.rank` with the learned click rates, then one atomic admission
 * per tried candidate (a refusal at the limit moves on to the next), and the impression
 * published to JetStream before answering.
 */
export class AdServing extends Effect.Service<AdServing>()("@adflow/api/AdServing", {
  effect: Effect.gen(function* () {
    const currentDay = yield* CurrentDay
    const clients = yield* ClientCache
    const index = yield* CampaignIndex
    const clickRates = yield* ClickRates
    const counters = yield* Counters
    const publisher = yield* EventPublisher
    const policy = yield* EngineConfig.policy
    // Admission that also writes the staging counters while `adflow rebuild` runs.
    const admissions = yield* MirroredAdmission
    const outbox = yield* ImpressionOutbox

    // The highest impressions count read per campaign: a lower bound of the live one, which
    // keeps the optimistic value of a campaign not read yet close to its true value.
    const floor = new ImpressionFloors()
    const openings = new Ranking.Openings()
    const searches = new Ranking.SearchPool()

    // What valuing a candidate needs besides its counters and score, built again only when the
    // index (its mean prices, its day) or the click-rate table changes, not per request.
    let valuation: Engine.Ranking.Valuation | undefined
    let valuedIndex: Engine.CampaignIndex.CampaignIndex | undefined
    let valuedRates: Engine.ClickRate.Table | undefined
    const valuationOn = (day: Day): Engine.Ranking.Valuation => {
      const at = index.at(day)
      const clickRate = clickRates.get()
      if (valuation === undefined || at !== valuedIndex || clickRate !== valuedRates) {
        valuation = new Engine.Ranking.Valuation({
          day,
          clickRate,
          relevanceUnit: Engine.Ranking.relevanceUnit(Engine.CampaignIndex.meanPrices(at), clickRate),
          policy,
        })
        valuedIndex = at
        valuedRates = clickRate
      }
      return valuation
    }

    // Only a client missing from memory is read through an Effect (`ClientCache.get`).
    const runCallback = Runtime.runCallback(yield* Effect.runtime<never>())

    const deciding: Deciding = {
      index,
      counters,
      admissions,
      publisher,
      outbox,
      clickRates,
      floor,
      openings,
      searches,
      valuationOn,
    }
    const decide = (client: ClientRow, day: Day, done: Done): void =>
      new Decision(deciding, client, day, done).start()

    /** `GET /ads` in plain code: `done` is called once, with the answer or why there is none. */
    const serveWith = (clientId: ClientId, done: Done): void => {
      const day = currentDay.get()
      const held = clients.held(clientId)
      if (held !== undefined) return decide(held, day, done)
      runCallback(clients.get(clientId), {
        onExit: (exit) => {
          if (Exit.isFailure(exit)) return done(Exit.failCause(exit.cause))
          if (Option.isNone(exit.value)) {
            servingCounts.refused.unknown_client++
            return done(Exit.fail(Errors.notFound("client", clientId)))
          }
          decide(exit.value.value, day, done)
        },
      })
    }

    /** `GET /ads` as an Effect (the HttpApi endpoint): the same decision, as one asynchronous step. */
    const serve = (clientId: ClientId): Effect.Effect<Ad.Ad, Failure> =>
      Effect.async<Ad.Ad, Failure>((resume) => serveWith(clientId, resume))

    return { serve, serveWith } as const
  }),
  dependencies: [ClickRates.Default, MirroredAdmission.layer],
}) {}
