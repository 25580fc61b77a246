import { Api } from "@adflow/domain"
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { AdServing } from "../AdServing.js"
import { ClickRecording } from "../ClickRecording.js"
import { orUnavailable } from "../Unavailable.js"

export const AdsHandlers = HttpApiBuilder.group(Api.AdflowApi, "ads", (handlers) =>
  Effect.gen(function* () {
    const serving = yield* AdServing
    const clicks = yield* ClickRecording
    return handlers
      .handle("getAdForClient", ({ urlParams }) => serving.serve(urlParams.client_id).pipe(orUnavailable))
      .handle("recordAdClick", ({ path, payload }) =>
        clicks.record(path.adId, payload.client_id).pipe(orUnavailable),
      )
  }),
)
