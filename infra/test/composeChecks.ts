import { asList, asMap, asString, isYamlMap as isMap, type Yaml, type YamlMap } from "./yaml.js"

/**
 * Checks of a resolved compose model (`docker-compose config`, read by ./yaml.ts). Each returns
 * the problems it found, as sentences; an empty list means the check passed.
 */

export const servicesOf = (compose: Yaml): YamlMap => asMap(asMap(compose)["services"])

/** A service's environment as a map; `KEY=value` lists are accepted too. */
export const environmentOf = (service: Yaml | undefined): Record<string, string> => {
  const environment = asMap(service)["environment"]
  const result: Record<string, string> = {}
  if (Array.isArray(environment)) {
    for (const entry of environment) {
      const text = asString(entry) ?? ""
      const equals = text.indexOf("=")
      if (equals > 0) result[text.slice(0, equals)] = text.slice(equals + 1)
    }
  } else {
    for (const [key, value] of Object.entries(asMap(environment))) result[key] = asString(value) ?? ""
  }
  return result
}

/** The container ports a service listens on, by its `expose` and `ports` entries. */
export const containerPortsOf = (service: Yaml | undefined): ReadonlySet<number> => {
  const ports = new Set<number>()
  for (const entry of asList(asMap(service)["expose"])) {
    const port = Number(String(asString(entry)).split("/")[0])
    if (Number.isInteger(port)) ports.add(port)
  }
  for (const entry of asList(asMap(service)["ports"])) {
    // Resolved configs use the long form; the short one is "published:target[/proto]".
    const target = isMap(entry)
      ? asString(entry["target"])
      : asString(entry)?.split(":").at(-1)?.split("/")[0]
    if (target !== undefined && Number.isInteger(Number(target))) ports.add(Number(target))
  }
  return ports
}

/** Published (host) port to container port. */
export const publishedPortsOf = (service: Yaml | undefined): Map<number, number> => {
  const published = new Map<number, number>()
  for (const entry of asList(asMap(service)["ports"])) {
    if (isMap(entry)) {
      published.set(Number(asString(entry["published"])), Number(asString(entry["target"])))
    } else {
      const parts = (asString(entry) ?? "").split("/")[0]!.split(":")
      if (parts.length >= 2) published.set(Number(parts.at(-2)), Number(parts.at(-1)))
    }
  }
  return published
}

/** The adflow services: those built from the project's Dockerfile. */
export const adflowServicesOf = (compose: Yaml): Array<string> =>
  Object.entries(servicesOf(compose))
    .filter(([, service]) => isMap(asMap(service)["build"]))
    .map(([name]) => name)
    .sort()

/** Every `ADFLOW_*` variable a service sets is one the code reads. */
export const checkVariablesAreRead = (compose: Yaml, namesRead: ReadonlySet<string>): Array<string> =>
  Object.entries(servicesOf(compose)).flatMap(([serviceName, service]) =>
    Object.keys(environmentOf(service))
      .filter((name) => name.startsWith("ADFLOW_") && !namesRead.has(name))
      .map((name) => `service '${serviceName}' sets ${name}, which no code reads`),
  )

const defaultPorts: Record<string, number> = {
  "nats:": 4222,
  "redis:": 6379,
  "rediss:": 6379,
  "postgres:": 5432,
  "postgresql:": 5432,
  "http:": 80,
  "https:": 443,
}

/** The server a variable is for, by the word in its name: ADFLOW_<SERVER>_URL. */
const serverKinds: ReadonlyArray<readonly [RegExp, string]> = [
  [/^ADFLOW_NATS_/, "nats"],
  [/^ADFLOW_REDIS_/, "redis"],
  [/^ADFLOW_(PG|POSTGRES)_/, "postgres"],
  [/^ADFLOW_CLICKHOUSE_/, "clickhouse"],
]

/** The image's name without registry, owner and tag: `clickhouse/clickhouse-server:25.8` → `clickhouse-server`. */
const imageName = (image: string) => image.split("/").at(-1)!.split(/[:@]/)[0]!

/**
 * Every `ADFLOW_*_URL` a service sets names a compose service (by host), one of that service's
 * container ports (explicit or the scheme's default), a server of the kind the variable is for
 * (by image name), and the pointing service waits for it (`depends_on`).
 */
export const checkUrlsPointAtServices = (compose: Yaml): Array<string> => {
  const services = servicesOf(compose)
  return Object.entries(services).flatMap(([serviceName, service]) =>
    Object.entries(environmentOf(service))
      .filter(([name]) => name.startsWith("ADFLOW_") && name.endsWith("_URL"))
      .flatMap(([name, value]): Array<string> => {
        const where = `service '${serviceName}' ${name}=${value}`
        let url: URL
        try {
          url = new URL(value)
        } catch {
          return [`${where}: not a URL`]
        }
        const target = services[url.hostname]
        if (target === undefined) return [`${where}: host '${url.hostname}' is not a compose service`]
        const port = url.port === "" ? defaultPorts[url.protocol] : Number(url.port)
        const problems: Array<string> = []
        if (port === undefined || !containerPortsOf(target).has(port)) {
          problems.push(`${where}: service '${url.hostname}' does not listen on port ${port ?? "(none)"}`)
        }
        const kind = serverKinds.find(([pattern]) => pattern.test(name))?.[1]
        const image = asString(asMap(target)["image"]) ?? ""
        if (kind !== undefined && !imageName(image).includes(kind)) {
          problems.push(`${where}: service '${url.hostname}' runs '${image}', not ${kind}`)
        }
        if (!Object.keys(asMap(asMap(service)["depends_on"])).includes(url.hostname)) {
          problems.push(`${where}: service '${serviceName}' does not depend on '${url.hostname}'`)
        }
        return problems
      }),
  )
}

/**
 * Every adflow service sets every URL variable the code reads: their defaults point at the local
 * stack on 127.0.0.1, which inside a container is nothing.
 */
export const checkServicesSetEveryUrl = (compose: Yaml, namesRead: ReadonlySet<string>): Array<string> => {
  const urls = [...namesRead].filter((name) => name.endsWith("_URL"))
  const services = servicesOf(compose)
  return adflowServicesOf(compose).flatMap((serviceName) => {
    const environment = environmentOf(services[serviceName])
    return urls
      .filter((name) => environment[name] === undefined)
      .map((name) => `service '${serviceName}' does not set ${name} (its default is the local stack)`)
  })
}

export interface RequiredService {
  readonly name: string
  /** The Dockerfile target it must be built from. */
  readonly target: string
  /** The arguments it must run with, if any. */
  readonly command?: ReadonlyArray<string>
}

/** The processes the system consists of, each built from the Dockerfile's matching target. */
export const requiredServices: ReadonlyArray<RequiredService> = [
  { name: "api", target: "api" },
  { name: "processor", target: "processor" },
  { name: "migrate", target: "cli", command: ["migrate"] },
]

/** The required services exist, built from an existing Dockerfile target, and migrate runs first. */
export const checkRequiredServices = (
  compose: Yaml,
  dockerfileTargets: ReadonlySet<string>,
): Array<string> => {
  const services = servicesOf(compose)
  const problems: Array<string> = []
  for (const required of requiredServices) {
    const service = services[required.name]
    if (service === undefined) {
      problems.push(`service '${required.name}' is missing`)
      continue
    }
    const target = asString(asMap(asMap(service)["build"])["target"])
    if (target !== required.target) {
      problems.push(
        `service '${required.name}' builds target '${target ?? "(none)"}', not '${required.target}'`,
      )
    }
    const command = asList(asMap(service)["command"]).map((part) => asString(part) ?? "")
    if (required.command !== undefined && command.join(" ") !== required.command.join(" ")) {
      problems.push(
        `service '${required.name}' runs '${command.join(" ")}', not '${required.command.join(" ")}'`,
      )
    }
  }
  for (const name of adflowServicesOf(compose)) {
    const target = asString(asMap(asMap(services[name])["build"])["target"])
    if (target === undefined || !dockerfileTargets.has(target)) {
      problems.push(`service '${name}' builds target '${target ?? "(none)"}', which the Dockerfile lacks`)
    }
  }
  for (const name of ["api", "processor"]) {
    const condition = asString(asMap(asMap(asMap(services[name])["depends_on"])["migrate"])["condition"])
    if (services[name] !== undefined && condition !== "service_completed_successfully") {
      problems.push(`service '${name}' does not wait for migrate to complete successfully`)
    }
  }
  return problems
}

/** The api publishes host port 8080 to the port it listens on (ADFLOW_PORT, by default 8080). */
export const checkApiPublished = (compose: Yaml): Array<string> => {
  const api = servicesOf(compose)["api"]
  if (api === undefined) return ["service 'api' is missing"]
  const listens = Number(environmentOf(api)["ADFLOW_PORT"] ?? "8080")
  const target = publishedPortsOf(api).get(8080)
  if (target === undefined) return ["service 'api' does not publish port 8080"]
  return target === listens ? [] : [`service 'api' publishes 8080 to ${target}, but listens on ${listens}`]
}

/** A depended-on service with a health check is waited for until healthy, not merely started. */
export const checkHealthyDependencies = (compose: Yaml): Array<string> => {
  const services = servicesOf(compose)
  return Object.entries(services).flatMap(([serviceName, service]) =>
    Object.entries(asMap(asMap(service)["depends_on"])).flatMap(([dependency, how]) => {
      const condition = asString(asMap(how)["condition"])
      const hasHealthCheck = isMap(asMap(services[dependency])["healthcheck"])
      return hasHealthCheck &&
        condition === "service_started" &&
        adflowServicesOf(compose).includes(serviceName)
        ? [`service '${serviceName}' starts before '${dependency}' is healthy`]
        : []
    }),
  )
}

/** The `FROM ... AS <name>` stage names of a Dockerfile. */
export const dockerfileTargets = (dockerfile: string): Set<string> =>
  new Set(
    [...dockerfile.matchAll(/^\s*FROM\s+\S+\s+AS\s+([A-Za-z0-9_.-]+)\s*$/gim)].map((match) => match[1]!),
  )

/** `host:port` scrape targets (Prometheus) name compose services listening on that port. */
export const checkScrapeTargets = (compose: Yaml, prometheus: Yaml): Array<string> => {
  const services = servicesOf(compose)
  return asList(asMap(prometheus)["scrape_configs"]).flatMap((job) =>
    asList(asMap(job)["static_configs"]).flatMap((group) =>
      asList(asMap(group)["targets"]).flatMap((entry): Array<string> => {
        const [host = "", port = ""] = (asString(entry) ?? "").split(":")
        if (host === "localhost" || host === "127.0.0.1") return []
        const service = services[host]
        if (service === undefined)
          return [`scrape target ${String(entry)}: '${host}' is not a compose service`]
        return containerPortsOf(service).has(Number(port))
          ? []
          : [`scrape target ${String(entry)}: service '${host}' does not listen on port ${port}`]
      }),
    ),
  )
}
