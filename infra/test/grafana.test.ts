import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { environmentOf, servicesOf } from "./composeChecks.js"
import { repoRoot, resolvedConfig } from "./dockerCompose.js"
import { checkDashboard, checkDashboardProvider, checkDatasources, datasourcesOf } from "./grafanaChecks.js"
import { readYaml } from "./yaml.js"

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8")
const compose = resolvedConfig(join(repoRoot, "docker-compose.yml"))
const datasourcesSource = read("infra/grafana/provisioning/datasources/datasources.yml")
const providerSource = read("infra/grafana/provisioning/dashboards/dashboards.yml")
const datasources = datasourcesOf(readYaml(datasourcesSource))
const database = environmentOf(servicesOf(compose)["processor"])["ADFLOW_CLICKHOUSE_DATABASE"] ?? "adflow"
/** The ClickHouse tables the analytics package names (`export const EVENTS = "events"`). */
const tables = new Set(
  [...read("packages/analytics/src/Tables.ts").matchAll(/^export const [A-Z_]+ = "(\w+)"/gm)].map(
    (match) => match[1]!,
  ),
)
const dashboardFiles = readdirSync(join(repoRoot, "infra/grafana/dashboards")).filter((name) =>
  name.endsWith(".json"),
)
const dashboard = JSON.parse(read("infra/grafana/dashboards/adflow.json")) as Parameters<
  typeof checkDashboard
>[0]

const edited = (source: string, from: string, to: string) => {
  assert.include(source, from, "the fixture's edit no longer applies")
  return source.replace(from, to)
}

describe("Grafana provisioning", () => {
  it("installs the ClickHouse plugin and mounts the provisioning and dashboards", () => {
    const grafana = servicesOf(compose)["grafana"]
    assert.include(environmentOf(grafana)["GF_INSTALL_PLUGINS"] ?? "", "grafana-clickhouse-datasource")
    assert.deepStrictEqual(datasources.map((source) => source.type).sort(), [
      "grafana-clickhouse-datasource",
      "prometheus",
    ])
  })

  it("datasources reach compose services with ClickHouse's own credentials", () => {
    assert.deepStrictEqual(checkDatasources(readYaml(datasourcesSource), compose), [])
    const broken = (from: string, to: string) =>
      checkDatasources(readYaml(edited(datasourcesSource, from, to)), compose)
    assert.deepStrictEqual(broken("http://prometheus:9090", "http://prometheus:9091"), [
      "datasource 'adflow-prometheus': service 'prometheus' does not listen on port 9091",
    ])
    assert.deepStrictEqual(broken("host: clickhouse", "host: ch"), [
      "datasource 'adflow-clickhouse': username 'adflow', ClickHouse has 'default'",
      "datasource 'adflow-clickhouse': password 'adflow', ClickHouse has ''",
      "datasource 'adflow-clickhouse': defaultDatabase 'adflow', ClickHouse has 'default'",
      "datasource 'adflow-clickhouse': 'ch' is not a compose service",
    ])
    assert.deepStrictEqual(broken("      password: adflow", "      password: secret"), [
      "datasource 'adflow-clickhouse': password 'secret', ClickHouse has 'adflow'",
    ])
    assert.deepStrictEqual(broken("uid: adflow-clickhouse", "uid: adflow-prometheus"), [
      "datasource 'adflow-prometheus': missing or repeated uid",
    ])
  })

  it("the dashboards provider reads where compose mounts the dashboards", () => {
    assert.deepStrictEqual(checkDashboardProvider(readYaml(providerSource), compose), [])
    assert.deepStrictEqual(
      checkDashboardProvider(
        readYaml(edited(providerSource, "/var/lib/grafana/dashboards", "/dashboards")),
        compose,
      ),
      ["dashboard provider reads '/dashboards', where no dashboards are mounted"],
    )
  })
})

describe("the adflow dashboard", () => {
  it("is the only dashboard, and shows request rate, latency, impressions, clicks and spend", () => {
    assert.deepStrictEqual(dashboardFiles, ["adflow.json"])
    const text = JSON.stringify(dashboard)
    for (const needle of [
      "http_server_request_duration_seconds_count",
      "histogram_quantile",
      "impression",
      "click",
      "cost_micros",
    ]) {
      assert.include(text, needle)
    }
  })

  it("uses only provisioned datasources and the tables the code creates", () => {
    assert.isTrue(tables.has("events"), "the analytics package names its tables in Tables.ts")
    assert.deepStrictEqual(checkDashboard(dashboard, datasources, database, tables), [])
    const broken = JSON.parse(
      JSON.stringify(dashboard)
        .replace('"uid":"adflow-prometheus"', '"uid":"prom"')
        .replace("FROM adflow.events", "FROM analytics.events")
        .replace("FROM adflow.events", "FROM adflow.impressions"),
    ) as Parameters<typeof checkDashboard>[0]
    assert.deepStrictEqual(checkDashboard(broken, datasources, database, tables), [
      "panel 'API requests per second, by route': datasource prometheus/prom is not provisioned",
      "panel 'Impressions and clicks per minute': reads database 'analytics', not 'adflow'",
      "panel 'Spend per minute': reads table 'impressions', which the code does not create",
    ])
  })
})
