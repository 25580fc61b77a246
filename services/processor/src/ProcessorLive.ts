import { AnalyticsWriter } from "@adflow/analytics"
import { ClickLearning, Counters, StagingCounters } from "@adflow/counters"
import { Ledger, MlScoreStore, CampaignRepo } from "@adflow/store"
import { Layer } from "effect"
import { BatchHandler } from "./BatchHandler.js"
import { CampaignDirectory } from "./CampaignDirectory.js"
import { RebuildMirror } from "./RebuildMirror.js"
import { ProcessorConfig, type ProcessorSettings } from "./ProcessorConfig.js"
import * as Pipeline from "./Pipeline.js"

/** A batch handler over these projections, with the ledger and campaign directory every handler shares. */
const handlerWriting = <E, R>(
  projections: Layer.Layer<Counters | ClickLearning | AnalyticsWriter | RebuildMirror, E, R>,
) =>
  BatchHandler.Default.pipe(
    Layer.provide(CampaignDirectory.Default),
    Layer.provide(Layer.mergeAll(projections, Ledger.Default, MlScoreStore.Default, CampaignRepo.Default)),
  )

/** The batch handler with everything it writes to; needs the four server clients and a ProcessorConfig. */
export const ProcessorServices = handlerWriting(
  Layer.mergeAll(Counters.layer, ClickLearning.layer, AnalyticsWriter.Default, RebuildMirror.layer),
)

/**
 * The batch handler a rebuild replays through: it writes the staging counters and events table
 * only, and learns no click rates (the API is using them; the replay would count old events twice).
 */
export const RebuildServices = handlerWriting(
  Layer.mergeAll(
    StagingCounters.asCounters,
    ClickLearning.readOnly,
    AnalyticsWriter.staging,
    RebuildMirror.disabled,
  ),
)

/**
 * The processor as a layer: consumes in the background for as long as the layer lives. Needs
 * NatsClient, RedisClient, SqlClient and ClickHouse (migrated and provisioned) and a ProcessorConfig.
 */
export const layerWithConfig = Layer.scopedDiscard(Pipeline.run).pipe(Layer.provide(ProcessorServices))

/** The same, with settings given in code (tests) rather than read from the environment. */
export const layer = (settings: Partial<ProcessorSettings> = {}) =>
  layerWithConfig.pipe(Layer.provide(ProcessorConfig.layer(settings)))

/** Default settings; what tests and other services embed. */
export const ProcessorLive = layer()
