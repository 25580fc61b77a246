/**
 * Whether a @clickhouse/client error says that a table does not exist (code 60, UNKNOWN_TABLE).
 * Current servers send the code in a header, which the client exposes; 18.16 only in the text
 * ("Code: 60, e.displayText() = DB::Exception: Table … doesn't exist.").
 */
export const isUnknownTable = (cause: unknown): boolean => {
  if (!(cause instanceof Error)) return false
  const { code, type } = cause as { readonly code?: unknown; readonly type?: unknown }
  return code === "60" || type === "UNKNOWN_TABLE" || /^Code: 60\b|\(UNKNOWN_TABLE\)/.test(cause.message)
}
