import { Schema } from "effect"

/** A ClickHouse operation that failed; the caller naks the batch and retries on it. */
export class AnalyticsError extends Schema.TaggedError<AnalyticsError>()("AnalyticsError", {
  operation: Schema.String,
  message: Schema.String,
}) {
  static readonly from =
    (operation: string) =>
    (cause: unknown): AnalyticsError =>
      new AnalyticsError({ operation, message: cause instanceof Error ? cause.message : String(cause) })
}
