import { EventPublisher } from "@adflow/bus"
import { Counters } from "@adflow/counters"
import { type CampaignId, type ClientId, Errors, Events, Money } from "@adflow/domain"
import { Effect, Option } from "effect"
import { CampaignIndex } from "./CampaignIndex.js"
import { ClickRates } from "./ClickRates.js"
import { ClientCache } from "./ClientCache.js"
import { CurrentDay } from "./CurrentDay.js"
import { servingCounts } from "./ServingMetrics.js"

/**
 * `POST /ads/{adId}/click`: only for a live campaign that this (known) client was shown; the
 * click is published at the click price in force, with the client's score for the advertiser.
 * Its id is deterministic, so a second click by the same client changes nothing.
 */
export class ClickRecording extends Effect.Service<ClickRecording>()("@adflow/api/ClickRecording", {
  effect: Effect.gen(function* () {
    const currentDay = yield* CurrentDay
    const clients = yield* ClientCache
    const index = yield* CampaignIndex
    const counters = yield* Counters
    const publisher = yield* EventPublisher
    const clickRates = yield* ClickRates

    const record = (campaignId: CampaignId, clientId: ClientId) =>
      Effect.gen(function* () {
        const campaign = index.get(campaignId)
        if (campaign === undefined) return yield* Effect.fail(Errors.notFound("campaign", campaignId))
        const client = yield* clients.get(clientId)
        if (Option.isNone(client)) return yield* Effect.fail(Errors.notFound("client", clientId))
        const { row } = campaign
        const view = yield* counters.readForRequest({
          clientId,
          advertiserIds: [row.advertiser_id],
          campaignIds: [campaignId],
        })
        const shown = view.campaigns.get(campaignId)
        if (shown?.seen !== true) {
          servingCounts.clicksRefused++
          return yield* Effect.fail(
            Errors.conflict(
              Errors.Code.adNotShown,
              `campaign ${campaignId} was never shown to client ${clientId}`,
              "client_id",
            ),
          )
        }
        const score = view.scores.get(row.advertiser_id) ?? 0
        yield* publisher.publish(
          new Events.Click(
            {
              v: Events.SCHEMA_VERSION,
              event_id: Events.clickId(campaignId, clientId),
              campaign_id: campaignId,
              advertiser_id: row.advertiser_id,
              client_id: clientId,
              day: currentDay.get(),
              cost: Money.toPrice(row.cost_per_click_micros),
              score,
              at: Date.now(),
            },
            true,
          ),
        )
        // The engine learns a client's first click on a campaign at once (the processor records it
        // in the shared counts a little later); a repeated click teaches nothing.
        if (!shown.clicked) clickRates.observeClick(score)
        servingCounts.clicks++
      })

    return { record } as const
  }),
  dependencies: [ClickRates.Default],
}) {}
