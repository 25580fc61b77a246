import { Schema } from "effect"

/** A Redis operation of the counters that failed or answered something unexpected; callers retry it. */
export class CountersError extends Schema.TaggedError<CountersError>()("CountersError", {
  operation: Schema.String,
  message: Schema.String,
}) {
  static readonly from =
    (operation: string) =>
    (cause: unknown): CountersError =>
      new CountersError({ operation, message: cause instanceof Error ? cause.message : String(cause) })
}
