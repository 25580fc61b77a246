import { containerPortsOf, environmentOf, servicesOf } from "./composeChecks.js"
import { asList, asMap, asString, type Yaml } from "./yaml.js"

/** Checks of Grafana's provisioning and dashboards against the compose model; problems as sentences. */

export interface Datasource {
  readonly uid: string
  readonly type: string
}

export const datasourcesOf = (provisioning: Yaml): Array<Datasource> =>
  asList(asMap(provisioning)["datasources"]).map((entry) => ({
    uid: asString(asMap(entry)["uid"]) ?? "",
    type: asString(asMap(entry)["type"]) ?? "",
  }))

/**
 * Each provisioned datasource has a unique uid and reaches a compose service on a port it listens
 * on; ClickHouse's logs in with the user, password and database the compose file gives ClickHouse.
 */
export const checkDatasources = (provisioning: Yaml, compose: Yaml): Array<string> => {
  const services = servicesOf(compose)
  const problems: Array<string> = []
  const uids = new Set<string>()
  for (const entry of asList(asMap(provisioning)["datasources"])) {
    const source = asMap(entry)
    const uid = asString(source["uid"]) ?? ""
    if (uid === "" || uids.has(uid)) problems.push(`datasource '${uid}': missing or repeated uid`)
    uids.add(uid)
    const type = asString(source["type"])
    let host: string
    let port: number
    if (type === "grafana-clickhouse-datasource") {
      const json = asMap(source["jsonData"])
      host = asString(json["host"]) ?? ""
      port = Number(asString(json["port"]))
      const clickhouse = environmentOf(services[host])
      const expected: ReadonlyArray<readonly [string, string | undefined, string | undefined]> = [
        ["username", asString(json["username"]), clickhouse["CLICKHOUSE_USER"] ?? "default"],
        [
          "password",
          asString(asMap(source["secureJsonData"])["password"]),
          clickhouse["CLICKHOUSE_PASSWORD"] ?? "",
        ],
        ["defaultDatabase", asString(json["defaultDatabase"]), clickhouse["CLICKHOUSE_DB"] ?? "default"],
      ]
      for (const [field, actual, wanted] of expected) {
        if (actual !== wanted)
          problems.push(`datasource '${uid}': ${field} '${actual ?? ""}', ClickHouse has '${wanted}'`)
      }
    } else {
      const url = new URL(asString(source["url"]) ?? "invalid:")
      host = url.hostname
      port = Number(url.port || (url.protocol === "https:" ? 443 : 80))
    }
    if (services[host] === undefined) problems.push(`datasource '${uid}': '${host}' is not a compose service`)
    else if (!containerPortsOf(services[host]).has(port)) {
      problems.push(`datasource '${uid}': service '${host}' does not listen on port ${port}`)
    }
  }
  return problems
}

/** The dashboards provider reads the folder compose mounts infra/grafana/dashboards on. */
export const checkDashboardProvider = (provider: Yaml, compose: Yaml): Array<string> => {
  const mounts = asList(asMap(servicesOf(compose)["grafana"])["volumes"]).map(
    (volume) => asString(volume) ?? "",
  )
  const mounted = mounts
    .filter((volume) => volume.split(":")[0]!.endsWith("/infra/grafana/dashboards"))
    .map((volume) => volume.split(":")[1])
  return asList(asMap(provider)["providers"]).flatMap((entry) => {
    const path = asString(asMap(asMap(entry)["options"])["path"]) ?? ""
    return mounted.includes(path)
      ? []
      : [`dashboard provider reads '${path}', where no dashboards are mounted`]
  })
}

interface Panel {
  readonly title?: string
  readonly datasource?: { readonly uid?: string; readonly type?: string }
  readonly targets?: ReadonlyArray<{
    readonly datasource?: { readonly uid?: string; readonly type?: string }
    readonly rawSql?: string
  }>
  readonly panels?: ReadonlyArray<Panel>
}

const panelsOf = (dashboard: { readonly panels?: ReadonlyArray<Panel> }): Array<Panel> =>
  (dashboard.panels ?? []).flatMap((panel) => [panel, ...panelsOf(panel)])

/**
 * Every panel and query uses a provisioned datasource (by uid and type), and every ClickHouse query
 * reads `<database>.<table>` with the database the services write to and a table the code creates.
 */
export const checkDashboard = (
  dashboard: { readonly panels?: ReadonlyArray<Panel> },
  datasources: ReadonlyArray<Datasource>,
  database: string,
  tables: ReadonlySet<string>,
): Array<string> =>
  panelsOf(dashboard).flatMap((panel) => {
    const title = panel.title ?? "(untitled)"
    const references = [panel.datasource, ...(panel.targets ?? []).map((target) => target.datasource)]
    const problems = references.flatMap((reference) =>
      reference === undefined ||
      datasources.some((source) => source.uid === reference.uid && source.type === reference.type)
        ? []
        : [`panel '${title}': datasource ${reference.type ?? ""}/${reference.uid ?? ""} is not provisioned`],
    )
    for (const target of panel.targets ?? []) {
      for (const match of (target.rawSql ?? "").matchAll(
        /\b(?:FROM|JOIN)\s+([A-Za-z_][\w]*)\.([A-Za-z_]\w*)/gi,
      )) {
        if (match[1] !== database)
          problems.push(`panel '${title}': reads database '${match[1]}', not '${database}'`)
        if (!tables.has(match[2]!))
          problems.push(`panel '${title}': reads table '${match[2]}', which the code does not create`)
      }
      if (target.rawSql !== undefined && !/\bFROM\s+\w+\.\w+/i.test(target.rawSql)) {
        problems.push(`panel '${title}': query names no database-qualified table`)
      }
    }
    return problems
  })
