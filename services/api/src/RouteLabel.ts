import { Api } from "@adflow/domain"

/**
 * The route template of a request (`/advertisers/:advertiserId/campaigns`), for metric labels that
 * stay few whatever ids the requests carry. Built from the contract, plus the routes served
 * beside it; anything else is "unmatched".
 */

interface Template {
  readonly method: string
  readonly path: string
  readonly segments: ReadonlyArray<string>
}

const split = (path: string): Array<string> => path.split("/").filter((segment) => segment !== "")

const template = (method: string, path: string): Template => ({ method, path, segments: split(path) })

const contractTemplates = (): Array<Template> =>
  Object.values(Api.AdflowApi.groups).flatMap((group) =>
    Object.values(group.endpoints).map((endpoint) => template(endpoint.method, endpoint.path)),
  )

export const UNMATCHED = "unmatched"

const matches = (t: Template, method: string, segments: ReadonlyArray<string>): boolean => {
  if (t.method !== method || t.segments.length !== segments.length) return false
  for (let i = 0; i < segments.length; i++) {
    const expected = t.segments[i]!
    if (!expected.startsWith(":") && expected !== segments[i]) return false
  }
  return true
}

export const make = (extra: ReadonlyArray<readonly [method: string, path: string]>) => {
  // Literal paths first, so `/clients/bulk` is never taken for `/clients/:clientId`.
  const templates = [...contractTemplates(), ...extra.map(([method, path]) => template(method, path))].sort(
    (a, b) => a.path.split(":").length - b.path.split(":").length,
  )
  return (method: string, url: string): string => {
    const query = url.indexOf("?")
    const segments = split(query === -1 ? url : url.slice(0, query))
    const head = method === "HEAD" ? "GET" : method
    for (const t of templates) if (matches(t, head, segments)) return t.path
    return UNMATCHED
  }
}
