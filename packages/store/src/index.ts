import { Layer } from "effect"
import { AdvertiserRepo } from "./AdvertiserRepo.js"
import { CampaignRepo } from "./CampaignRepo.js"
import { ClientRepo } from "./ClientRepo.js"
import { DayRepo } from "./DayRepo.js"
import { Ledger } from "./Ledger.js"
import { MlScoreStore } from "./MlScoreStore.js"

export * as PgDatabase from "./PgDatabase.js"
export * as StoreMigrations from "./StoreMigrations.js"
export * from "./StoreErrors.js"
export { AdvertiserRepo, type AdvertiserRow } from "./AdvertiserRepo.js"
export { ClientRepo, type ClientRow } from "./ClientRepo.js"
export {
  CampaignRepo,
  type CampaignGender,
  type CampaignInput,
  type CampaignRow,
  type PageRequest,
} from "./CampaignRepo.js"
export { DayRepo } from "./DayRepo.js"
export { Ledger } from "./Ledger.js"
export { MlScoreStore, type MlScoreRow } from "./MlScoreStore.js"

/** Every store service over one SqlClient (provide `PgDatabase.layer…`, and run `StoreMigrations.layer` first). */
export const StoreLayer = Layer.mergeAll(
  Ledger.Default,
  MlScoreStore.Default,
  AdvertiserRepo.Default,
  ClientRepo.Default,
  CampaignRepo.Default,
  DayRepo.Default,
)
