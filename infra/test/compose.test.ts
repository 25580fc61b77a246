import { readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { namesOf, scanRepository } from "./codeEnv.js"
import {
  checkApiPublished,
  checkHealthyDependencies,
  checkRequiredServices,
  checkScrapeTargets,
  checkServicesSetEveryUrl,
  checkUrlsPointAtServices,
  checkVariablesAreRead,
  dockerfileTargets,
} from "./composeChecks.js"
import { repoRoot, resolvedConfig, runCompose, withComposeFile } from "./dockerCompose.js"
import { readYaml, type Yaml } from "./yaml.js"

const composeFile = join(repoRoot, "docker-compose.yml")
const composeSource = readFileSync(composeFile, "utf8")
const prometheusSource = readFileSync(join(repoRoot, "infra/prometheus/prometheus.yml"), "utf8")
const dockerfile = readFileSync(join(repoRoot, "infra/docker/Dockerfile"), "utf8")
const namesRead = new Set(namesOf(scanRepository(repoRoot)))
const targets = dockerfileTargets(dockerfile)

const compose = resolvedConfig(composeFile)

/** The compose file with `from` replaced by `to`; fails if `from` is not in it, so a fixture cannot go stale silently. */
const edited = (source: string, from: string, to: string): string => {
  assert.include(source, from, "the fixture's edit no longer applies")
  return source.replace(from, to)
}

/** The resolved model of an edited compose file, as docker-compose itself prints it. */
const resolvedEdit = (from: string, to: string): Yaml =>
  withComposeFile(edited(composeSource, from, to), (file) => resolvedConfig(file))

/** Every check this file runs, for the "all pass on the real file" test. */
const allChecks = (model: Yaml): Array<string> => [
  ...checkVariablesAreRead(model, namesRead),
  ...checkUrlsPointAtServices(model),
  ...checkServicesSetEveryUrl(model, namesRead),
  ...checkRequiredServices(model, targets),
  ...checkApiPublished(model),
  ...checkHealthyDependencies(model),
  ...checkScrapeTargets(model, readYaml(prometheusSource)),
]

describe("docker-compose.yml", () => {
  it("is valid for docker-compose 1.29 (`config -q`)", () => {
    const result = runCompose(composeFile, ["config", "-q"])
    assert.isTrue(result.ok, result.stderr)
  })

  it("`config -q` rejects a broken file (the validation is real)", () => {
    const broken = edited(composeSource, "    restart: unless-stopped", "    restart_policy: whenever")
    const result = withComposeFile(broken, (file) => runCompose(file, ["config", "-q"]))
    assert.isFalse(result.ok)
    assert.match(result.stderr, /restart_policy/)
  })

  it("declares every service and volume the system needs", () => {
    const services = runCompose(composeFile, ["config", "--services"]).stdout.trim().split("\n").sort()
    assert.deepStrictEqual(services, [
      "api",
      "clickhouse",
      "grafana",
      "migrate",
      "nats",
      "postgres",
      "processor",
      "prometheus",
      "redis",
    ])
    const volumes = runCompose(composeFile, ["config", "--volumes"]).stdout.trim().split("\n").sort()
    assert.includeMembers(volumes, ["clickhouse-data", "nats-data", "postgres-data", "redis-data"])
  })

  it("passes every check against the code", () => {
    assert.deepStrictEqual(allChecks(compose), [])
  })
})

describe("the compose checks fail on a broken compose file", () => {
  it("a variable no code reads", () => {
    const model = resolvedEdit(
      "      ADFLOW_HOST: 0.0.0.0",
      '      ADFLOW_HOST: 0.0.0.0\n      ADFLOW_HOTS: "1"',
    )
    assert.deepStrictEqual(checkVariablesAreRead(model, namesRead), [
      "service 'api' sets ADFLOW_HOTS, which no code reads",
    ])
  })

  it("a URL to a host that is no service", () => {
    const model = resolvedEdit("redis://redis:6379", "redis://cache:6379")
    const problems = checkUrlsPointAtServices(model)
    assert.include(
      problems,
      "service 'api' ADFLOW_REDIS_URL=redis://cache:6379: host 'cache' is not a compose service",
    )
  })

  it("a URL to a port the service does not listen on, explicit or by the scheme's default", () => {
    assert.include(
      checkUrlsPointAtServices(resolvedEdit("redis://redis:6379", "redis://redis:6380")),
      "service 'processor' ADFLOW_REDIS_URL=redis://redis:6380: service 'redis' does not listen on port 6380",
    )
    assert.include(
      checkUrlsPointAtServices(resolvedEdit("http://adflow:adflow@clickhouse:8123", "http://clickhouse")),
      "service 'migrate' ADFLOW_CLICKHOUSE_URL=http://clickhouse: service 'clickhouse' does not listen on port 80",
    )
  })

  it("a URL to the wrong kind of server", () => {
    assert.include(
      checkUrlsPointAtServices(
        resolvedEdit("ADFLOW_NATS_URL: nats://nats:4222", "ADFLOW_NATS_URL: nats://redis:6379"),
      ),
      "service 'api' ADFLOW_NATS_URL=nats://redis:6379: service 'redis' runs 'redis:8-alpine', not nats",
    )
  })

  it("a URL to a service the pointing service does not wait for", () => {
    const model = resolvedEdit("  clickhouse:\n    condition: service_healthy\n", "")
    assert.include(
      checkUrlsPointAtServices(model),
      "service 'api' ADFLOW_CLICKHOUSE_URL=http://adflow:adflow@clickhouse:8123: service 'api' does not depend on 'clickhouse'",
    )
  })

  it("a URL the code reads that a service does not set", () => {
    const model = resolvedEdit("  ADFLOW_REDIS_URL: redis://redis:6379\n", "")
    assert.deepStrictEqual(checkServicesSetEveryUrl(model, namesRead), [
      "service 'api' does not set ADFLOW_REDIS_URL (its default is the local stack)",
      "service 'migrate' does not set ADFLOW_REDIS_URL (its default is the local stack)",
      "service 'processor' does not set ADFLOW_REDIS_URL (its default is the local stack)",
    ])
  })

  it("a service built from the wrong or a missing Dockerfile target, or migrate not run first", () => {
    assert.include(
      checkRequiredServices(resolvedEdit("      target: processor", "      target: api"), targets),
      "service 'processor' builds target 'api', not 'processor'",
    )
    assert.include(
      checkRequiredServices(resolvedEdit("      target: processor", "      target: worker"), targets),
      "service 'processor' builds target 'worker', which the Dockerfile lacks",
    )
    assert.include(
      checkRequiredServices(resolvedEdit('command: ["migrate"]', 'command: ["seed"]'), targets),
      "service 'migrate' runs 'seed', not 'migrate'",
    )
    assert.include(
      checkRequiredServices(
        resolvedEdit(
          "        condition: service_completed_successfully",
          "        condition: service_started",
        ),
        targets,
      ),
      "service 'processor' does not wait for migrate to complete successfully",
    )
    assert.include(
      checkRequiredServices(compose, new Set(["api", "processor"])),
      "service 'migrate' builds target 'cli', which the Dockerfile lacks",
    )
  })

  it("the api not published on 8080, or published to a port it does not listen on", () => {
    assert.deepStrictEqual(checkApiPublished(resolvedEdit('"8080:8080"', '"8081:8080"')), [
      "service 'api' does not publish port 8080",
    ])
    assert.deepStrictEqual(checkApiPublished(resolvedEdit('ADFLOW_PORT: "8080"', 'ADFLOW_PORT: "9000"')), [
      "service 'api' publishes 8080 to 8080, but listens on 9000",
    ])
  })

  it("an adflow service that starts before a server is healthy", () => {
    const model = resolvedEdit(
      "  redis:\n    condition: service_healthy",
      "  redis:\n    condition: service_started",
    )
    assert.include(checkHealthyDependencies(model), "service 'api' starts before 'redis' is healthy")
  })

  it("a Prometheus target that is no service or not its port", () => {
    const scrape = (from: string, to: string) =>
      checkScrapeTargets(compose, readYaml(edited(prometheusSource, from, to)))
    assert.deepStrictEqual(scrape("api:8080", "api:9999"), [
      "scrape target api:9999: service 'api' does not listen on port 9999",
    ])
    assert.deepStrictEqual(scrape("processor:9464", "worker:9464"), [
      "scrape target worker:9464: 'worker' is not a compose service",
    ])
  })
})

describe("infra/docker/Dockerfile", () => {
  const stage = (name: string) => {
    const start = dockerfile.search(new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${name}\\s*$`, "im"))
    assert.isAtLeast(start, 0, `stage ${name}`)
    const next = dockerfile.slice(start + 1).search(/^FROM\s/im)
    return next < 0 ? dockerfile.slice(start) : dockerfile.slice(start, start + 1 + next)
  }

  it("builds every service on Node 20 from the lockfile, as a non-root user in production mode", () => {
    assert.includeMembers([...targets], ["api", "processor", "cli"])
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m)
    assert.match(dockerfile, /COREPACK_INTEGRITY_KEYS=0/)
    assert.match(dockerfile, /pnpm install --frozen-lockfile/)
    const app = stage("app")
    assert.match(app, /^ENV NODE_ENV=production$/m)
    assert.match(app, /^USER node$/m)
    assert.match(stage("api"), /^HEALTHCHECK .*\n?.*\/healthz/m)
  })

  // A script is either `tsx <file>` or `node <flags> --import tsx <file>`; the image runs the same file with the same flags.
  const scriptEntry = (script: string) => {
    const viaTsx = /^tsx (\S+)$/.exec(script)
    if (viaTsx) return { flags: [] as Array<string>, file: viaTsx[1] }
    const viaNode = /^node((?: --\S+)*) --import tsx (\S+)$/.exec(script)
    if (!viaNode) return undefined
    const [, flags = "", file] = viaNode
    return { flags: flags.split(" ").filter((flag) => flag !== ""), file }
  }

  it("runs each service the way its package.json does (tsx on src/main.ts)", () => {
    for (const [target, service, script] of [
      ["api", "api", "start"],
      ["processor", "processor", "start"],
      ["cli", "cli", "adflow"],
    ] as const) {
      const pkg = JSON.parse(readFileSync(join(repoRoot, "services", service, "package.json"), "utf8")) as {
        scripts?: Record<string, string>
      }
      const entry = scriptEntry(pkg.scripts?.[script] ?? "")
      assert.isDefined(
        entry,
        `services/${service} script '${script}' is 'tsx <file>' or 'node <flags> --import tsx <file>'`,
      )
      const body = stage(target)
      assert.include(body, `WORKDIR /app/services/${service}`)
      const command = ["node", ...entry!.flags, "--import", "tsx", entry!.file]
        .map((word) => `"${word}"`)
        .join(", ")
      assert.include(body, command)
    }
  })
})
