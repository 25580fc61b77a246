import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { ClickModel } from "./ClickModels.js"
import { HttpDriver, SimulationError } from "./HttpDriver.js"
import { Ledger } from "./Ledger.js"
import {
  activeOn,
  campaignBody,
  type Market,
  scoreKey,
  type SimCampaign,
  type SimClient,
  targetingMatches,
} from "./Market.js"
import * as Oracle from "./Oracle.js"
import { buildReport, type Report } from "./Report.js"
import * as Scenario from "./Scenario.js"
import { compareDaily, compareStats } from "./StatsCheck.js"
import { scoreChanged, type TapeEvent } from "./Tape.js"

export interface SimulationConfig {
  readonly url: string
  readonly days: number
  readonly clients: number
  readonly campaigns: number
  readonly seed: number
  readonly clickModel: ClickModel
  readonly concurrency: number
  /** The first simulated day (the grader starts at 1). */
  readonly startDay: number
  /** Rounds of ad requests per day; prices and scores change between rounds. */
  readonly phasesPerDay: number
}

const SAMPLE_LIMIT = 10
const BULK_CHUNK = 500

/** Everything a run observed, before it is turned into the report's figures. */
export interface Observations {
  readonly market: Market
  readonly ledger: Ledger
  readonly campaignIds: ReadonlyMap<number, string>
  readonly driver: HttpDriver
  readonly oracle: Oracle.OracleResult
  adRequests: number
  adsServed: number
  uniqueImpressions: number
  impressionScoreSum: number
  expectedRevenue: number
  clicksAttempted: number
  clicksAccepted: number
  clicksRejected: number
  mismatches: number
  foreignAds: number
  rejectedUpdates: number
  statsChecked: number
  statsMismatches: number
  readonly mismatchSamples: Array<string>
  readonly statsSamples: Array<string>
  readonly updateSamples: Array<string>
}

const chunks = <A>(items: ReadonlyArray<A>, size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

const sample = (list: Array<string>, line: string) => {
  if (list.length < SAMPLE_LIMIT) list.push(line)
}

export const run = (config: SimulationConfig): Effect.Effect<Report, SimulationError> =>
  Effect.gen(function* () {
    const scenario = Scenario.plan(config, randomUUID)
    const market = scenario.market
    const driver = new HttpDriver(config.url)
    const model = config.clickModel
    const tape: Array<TapeEvent> = []
    const scores = new Map(market.scores.map((s) => [scoreKey(s.client_id, s.advertiser_id), s.score]))
    const scoreOf = (clientId: string, advertiserId: string) =>
      scores.get(scoreKey(clientId, advertiserId)) ?? 0
    /** Campaigns as currently stored (prices change), by our key and by the API's id. */
    const current = new Map<number, SimCampaign>(market.campaigns.map((c) => [c.key, c]))
    const campaignIds = new Map<number, string>()
    const keyOf = new Map<string, number>()
    const ledger = new Ledger((id) => {
      const key = keyOf.get(id)
      return key === undefined ? undefined : current.get(key)?.advertiser_id
    })

    const setDay = (day: number) =>
      driver
        .expectOk("POST", "/time/advance", { current_date: day })
        .pipe(Effect.tap(() => Effect.sync(() => tape.push({ _tag: "Day", day }))))

    // Setup, as a grader does it.
    yield* setDay(config.startDay)
    for (const chunk of chunks(market.advertisers, BULK_CHUNK))
      yield* driver.expectOk("POST", "/advertisers/bulk", chunk)
    for (const chunk of chunks(market.clients, BULK_CHUNK))
      yield* driver.expectOk("POST", "/clients/bulk", chunk)
    yield* Effect.forEach(market.scores, (score) => driver.expectOk("POST", "/ml-scores", score), {
      concurrency: config.concurrency,
      discard: true,
    })
    yield* Effect.forEach(
      market.campaigns,
      (campaign) =>
        driver
          .expectOk("POST", `/advertisers/${campaign.advertiser_id}/campaigns`, campaignBody(campaign))
          .pipe(
            Effect.flatMap((reply) => {
              const id = (reply.body as { campaign_id?: unknown } | undefined)?.campaign_id
              if (typeof id !== "string")
                return Effect.fail(new SimulationError({ message: `campaign created without a campaign_id` }))
              campaignIds.set(campaign.key, id)
              keyOf.set(id, campaign.key)
              return Effect.void
            }),
          ),
      { concurrency: config.concurrency, discard: true },
    )

    const obs = {
      adRequests: 0,
      adsServed: 0,
      uniqueImpressions: 0,
      impressionScoreSum: 0,
      expectedRevenue: 0,
      clicksAttempted: 0,
      clicksAccepted: 0,
      clicksRejected: 0,
      mismatches: 0,
      foreignAds: 0,
      rejectedUpdates: 0,
      statsChecked: 0,
      statsMismatches: 0,
      mismatchSamples: [] as Array<string>,
      statsSamples: [] as Array<string>,
      updateSamples: [] as Array<string>,
    }

    const adRequest = (day: number, client: SimClient, clickDraw: number) =>
      Effect.gen(function* () {
        obs.adRequests++
        const reply = yield* driver.request("GET", `/ads?client_id=${client.client_id}`, undefined, {
          timed: true,
        })
        if (reply.status !== 200) return
        obs.adsServed++
        const ad = reply.body as { ad_id?: unknown; advertiser_id?: unknown } | undefined
        const key = typeof ad?.ad_id === "string" ? keyOf.get(ad.ad_id) : undefined
        if (key === undefined) {
          obs.foreignAds++
          return
        }
        const campaignId = ad!.ad_id as string
        const campaign = current.get(key)!
        const wrong = [
          ad!.advertiser_id !== campaign.advertiser_id ? "advertiser" : undefined,
          !activeOn(campaign, day) ? `dates ${campaign.start_date}..${campaign.end_date}` : undefined,
          !targetingMatches(campaign.targeting, client)
            ? `targeting ${JSON.stringify(campaign.targeting)}`
            : undefined,
        ].filter((w) => w !== undefined)
        if (wrong.length > 0) {
          obs.mismatches++
          sample(
            obs.mismatchSamples,
            `day ${day}: campaign ${campaignId} to ${JSON.stringify(client)}: ${wrong.join(", ")}`,
          )
        }
        if (!ledger.impression(campaignId, client.client_id, day, campaign.cost_per_impression)) return
        const score = scoreOf(client.client_id, campaign.advertiser_id)
        const probability = model.probability(score)
        obs.uniqueImpressions++
        obs.impressionScoreSum += score
        obs.expectedRevenue += campaign.cost_per_impression + campaign.cost_per_click * probability
        if (clickDraw >= probability) return
        obs.clicksAttempted++
        const click = yield* driver.request("POST", `/ads/${campaignId}/click`, {
          client_id: client.client_id,
        })
        if (click.status >= 200 && click.status < 300) {
          obs.clicksAccepted++
          ledger.click(campaignId, client.client_id, day, campaign.cost_per_click)
        } else obs.clicksRejected++
      })

    const midDayUpdates = (day: number, round: Scenario.Round) =>
      Effect.gen(function* () {
        for (const change of round.priceChanges) {
          const updated: SimCampaign = {
            ...current.get(change.key)!,
            cost_per_impression: change.cost_per_impression,
            cost_per_click: change.cost_per_click,
          }
          const id = campaignIds.get(change.key)!
          const reply = yield* driver.request(
            "PUT",
            `/advertisers/${updated.advertiser_id}/campaigns/${id}`,
            campaignBody(updated),
          )
          if (reply.status !== 200) {
            obs.rejectedUpdates++
            sample(
              obs.updateSamples,
              `day ${day}: price update of ${id} answered ${reply.status}: ${JSON.stringify(reply.body)}`,
            )
            continue
          }
          current.set(change.key, updated)
          tape.push({ _tag: "Price", ...change })
        }
        for (const score of round.scoreChanges) {
          const reply = yield* driver.request("POST", "/ml-scores", score)
          if (reply.status !== 200) {
            obs.rejectedUpdates++
            continue
          }
          scores.set(scoreKey(score.client_id, score.advertiser_id), score.score)
          tape.push(scoreChanged(score))
        }
      })

    const check = (what: string, path: string, compare: (body: unknown) => Array<string>) =>
      Effect.gen(function* () {
        const reply = yield* driver.request("GET", path)
        obs.statsChecked++
        const problems = reply.status === 200 ? compare(reply.body) : [`answered ${reply.status}`]
        if (problems.length > 0) {
          obs.statsMismatches++
          sample(obs.statsSamples, `${what}: ${problems.join("; ")}`)
        }
      })

    const checkStatistics = (day: number) => {
      const owners = new Set(market.campaigns.map((c) => c.advertiser_id))
      const checks = [
        ...market.campaigns.flatMap((c) => {
          const id = campaignIds.get(c.key)!
          return [
            check(`day ${day} campaign ${id}`, `/stats/campaigns/${id}`, (b) =>
              compareStats(ledger.campaign(id), b),
            ),
            check(`day ${day} campaign ${id} daily`, `/stats/campaigns/${id}/daily`, (b) =>
              compareDaily(ledger.campaignDaily(id), b),
            ),
          ]
        }),
        ...[...owners].flatMap((a) => [
          check(`day ${day} advertiser ${a}`, `/stats/advertisers/${a}/campaigns`, (b) =>
            compareStats(ledger.advertiser(a), b),
          ),
          check(`day ${day} advertiser ${a} daily`, `/stats/advertisers/${a}/campaigns/daily`, (b) =>
            compareDaily(ledger.advertiserDaily(a), b),
          ),
        ]),
      ]
      return Effect.all(checks, { concurrency: config.concurrency, discard: true })
    }

    for (const { day, rounds } of scenario.days) {
      if (day !== config.startDay) yield* setDay(day)
      for (const [phase, round] of rounds.entries()) {
        if (phase > 0) yield* midDayUpdates(day, round)
        const { requests } = round
        for (const { client } of requests) tape.push({ _tag: "Request", clientId: client.client_id })
        yield* Effect.forEach(requests, ({ client, clickDraw }) => adRequest(day, client, clickDraw), {
          concurrency: config.concurrency,
          discard: true,
        })
      }
      yield* checkStatistics(day)
      yield* Effect.logInfo(
        `day ${day}: ${obs.adsServed}/${obs.adRequests} ads served, ${obs.uniqueImpressions} unique impressions, ` +
          `${obs.clicksAccepted} clicks, ${obs.mismatches} mismatches, ${obs.statsMismatches} wrong statistics`,
      )
    }

    const observations: Observations = {
      ...obs,
      market,
      ledger,
      campaignIds,
      driver,
      oracle: Oracle.replay(market, tape, model),
    }
    return buildReport(config, observations)
  })
