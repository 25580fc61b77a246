import { Context, Effect, Layer } from "effect"
import {
  type AdmitImpression,
  admissionArgs,
  Counters,
  fromCallback,
  isAdmissible,
  isAdmission,
  settleReply,
} from "./Counters.js"
import { ClickLearning } from "./ClickLearning.js"
import { CountersError } from "./CountersError.js"
import * as Keys from "./Keys.js"
import type { Admission } from "./Outcomes.js"
import { RebuildFlag } from "./RebuildFlag.js"
import { RedisClient } from "./RedisClient.js"
import * as Scripts from "./Scripts.js"
import { STAGING } from "./StagingCounters.js"

/**
 * KEYS: seen, totals, unpublished impressions, click learning, staging seen, staging totals. ARGV: as
 * `Scripts.admitImpression`.
 * `Scripts.admitImpression` on the live keys and, when it admits a new client, the same impression
 * applied to the staging keys, in one atomic step: a rebuild's per-entity swap (`StagingSwap`) runs
 * either before both writes or after both, so the swapped-in counters never miss an admission.
 */
export const admitAndMirror: Scripts.Script = {
  name: "adflowAdmitAndMirror",
  keys: 6,
  lua: `${Scripts.admissionLua}
if redis.call('SADD', KEYS[5], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[6], '${Keys.CounterField.impressions}', 1)
  redis.call('HINCRBY', KEYS[6], '${Keys.CounterField.spentImpressionsMicros}', ARGV[3])
end
return 'new'
`,
}

/**
 * The API's admission. While a rebuild runs (`RebuildFlag`), a new impression is also written to
 * the staging counters at once, so a click on it finds it there. A repeat is not mirrored: the
 * impression that first admitted the client is in the stream, which the rebuild replays.
 */
export class MirroredAdmission extends Context.Tag("@adflow/counters/MirroredAdmission")<
  MirroredAdmission,
  {
    readonly admit: (input: AdmitImpression) => Effect.Effect<Admission, CountersError>
    /** `admit` for plain code, as `Counters.admitImpressionWith`. */
    readonly admitWith: (
      input: AdmitImpression,
      onAdmission: (admission: Admission) => void,
      onError: (error: CountersError) => void,
    ) => void
  }
>() {
  static readonly make = Effect.gen(function* () {
    const { redis } = yield* RedisClient
    const counters = yield* Counters
    const flag = yield* RebuildFlag
    redis.defineCommand(admitAndMirror.name, { numberOfKeys: 6, lua: admitAndMirror.lua })

    const mirrored = (
      input: AdmitImpression,
      onAdmission: (admission: Admission) => void,
      onError: (error: CountersError) => void,
    ) =>
      settleReply(
        () =>
          Scripts.run(
            redis,
            admitAndMirror,
            [
              Keys.seen(input.campaignId),
              Keys.totals(input.campaignId),
              Keys.unpublishedImpressions,
              ClickLearning.KEY,
              STAGING + Keys.seen(input.campaignId),
              STAGING + Keys.totals(input.campaignId),
            ],
            admissionArgs(input),
          ),
        "admitAndMirror",
        isAdmission,
        onAdmission,
        onError,
      )

    // Input the live admission would reject takes its path, which says why.
    const admitWith = (
      input: AdmitImpression,
      onAdmission: (admission: Admission) => void,
      onError: (error: CountersError) => void,
    ): void =>
      flag.active() && isAdmissible(input)
        ? mirrored(input, onAdmission, onError)
        : counters.admitImpressionWith(input, onAdmission, onError)
    const admit = (input: AdmitImpression) =>
      fromCallback<Admission, CountersError>((onAdmission, onError) => admitWith(input, onAdmission, onError))
    return { admit, admitWith }
  })

  /** Over the live RedisClient and Counters in context, with its own cached `RebuildFlag`. */
  static readonly layer: Layer.Layer<MirroredAdmission, never, RedisClient | Counters> = Layer.effect(
    MirroredAdmission,
    MirroredAdmission.make,
  ).pipe(Layer.provide(RebuildFlag.layer))
}
