export { ClickLearning, type ClickLearningApi, type ClickObservations } from "./ClickLearning.js"
export {
  Counters,
  type AdmitImpression,
  type CountersApi,
  type ReadForRequest,
  type ReadForServing,
} from "./Counters.js"
export { CountersError } from "./CountersError.js"
export { ImpressionOutbox, type ImpressionOutboxApi, type Republished } from "./ImpressionOutbox.js"
export * as Keys from "./Keys.js"
export type {
  Admission,
  CampaignCounters,
  CampaignView,
  ClickOutcome,
  ImpressionOutcome,
  RequestView,
  ScoreOutcome,
  ServingView,
} from "./Outcomes.js"
export { campaignViewAt } from "./Outcomes.js"
export { RedisClient, type RedisClientOptions } from "./RedisClient.js"
export { MirroredAdmission } from "./MirroredAdmission.js"
export { RebuildFlag, type RebuildFlagApi } from "./RebuildFlag.js"
export { StagingCounters } from "./StagingCounters.js"
export * as StagingSwap from "./StagingSwap.js"
