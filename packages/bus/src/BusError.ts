import { Schema } from "effect"

/** A NATS or JetStream operation that failed; callers retry (or nak) on it. */
export class BusError extends Schema.TaggedError<BusError>()("BusError", {
  operation: Schema.String,
  message: Schema.String,
}) {
  static readonly from =
    (operation: string) =>
    (cause: unknown): BusError =>
      new BusError({ operation, message: cause instanceof Error ? cause.message : String(cause) })
}
