import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { namesOf, scanRepository } from "./codeEnv.js"
import { servicesOf } from "./composeChecks.js"
import { repoRoot, resolvedConfig } from "./dockerCompose.js"
import {
  checkEnvironment,
  checkKustomization,
  checkServices,
  checkWorkloads,
  type Manifest,
  type Workload,
} from "./k8sChecks.js"
import { asMap, asString, readYaml, type YamlMap } from "./yaml.js"

const folder = join(repoRoot, "infra/k8s")
const sources = new Map(
  readdirSync(folder)
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => [file, readFileSync(join(folder, file), "utf8")] as const),
)
const manifestFiles = [...sources.keys()].filter((file) => file !== "kustomization.yaml").sort()
const namesRead = new Set(namesOf(scanRepository(repoRoot)))
const compose = servicesOf(resolvedConfig(join(repoRoot, "docker-compose.yml")))
const composeImage = (service: string) =>
  (asString(asMap(compose[service])["image"]) ?? "").replace(/:[^/:]*$/, "")

/** What infra/k8s must run: the images docker-compose.yml builds for the same services. */
const expected: ReadonlyArray<Workload> = [
  { kind: "Deployment", name: "adflow-api", image: composeImage("api") },
  { kind: "Deployment", name: "adflow-processor", image: composeImage("processor") },
  { kind: "Job", name: "adflow-migrate", image: composeImage("migrate"), args: ["migrate"] },
]

const parse = (
  edits: ReadonlyArray<readonly [file: string, from: string, to: string]> = [],
): Array<Manifest> =>
  manifestFiles.map((file) => {
    let source = sources.get(file)!
    for (const [target, from, to] of edits) {
      if (target !== file) continue
      assert.include(source, from, "the fixture's edit no longer applies")
      source = source.replace(from, to)
    }
    return { file, document: readYaml(source) as YamlMap }
  })

const manifests = parse()

describe("infra/k8s", () => {
  it("every manifest is listed in the kustomization, and only those", () => {
    assert.deepStrictEqual(
      checkKustomization(readYaml(sources.get("kustomization.yaml")!), manifestFiles),
      [],
    )
    assert.deepStrictEqual(
      checkKustomization(readYaml(sources.get("kustomization.yaml")!), [...manifestFiles, "extra.yaml"]),
      ["kustomization does not list 'extra.yaml'"],
    )
    assert.deepStrictEqual(
      checkKustomization(readYaml(sources.get("kustomization.yaml")!), manifestFiles.slice(1)),
      [`kustomization lists '${manifestFiles[0]}', which does not exist`],
    )
  })

  it("runs the api, the processor and the migration with the compose images", () => {
    assert.deepStrictEqual(
      expected.map((workload) => workload.image),
      ["adflow/api", "adflow/processor", "adflow/cli"],
    )
    assert.deepStrictEqual(checkWorkloads(manifests, expected), [])
  })

  it("passes the environment and service checks", () => {
    assert.deepStrictEqual(checkEnvironment(manifests, namesRead), [])
    assert.deepStrictEqual(checkServices(manifests), [])
  })
})

describe("the k8s checks fail on broken manifests", () => {
  it("a variable no code reads, a URL a container lacks, a missing ConfigMap", () => {
    assert.deepStrictEqual(
      checkEnvironment(parse([["config.yaml", "ADFLOW_NATS_URL:", "ADFLOW_NATS_ADDRESS:"]]), namesRead),
      [
        "config.yaml: ConfigMap 'adflow-config' sets ADFLOW_NATS_ADDRESS, which no code reads",
        "api.yaml: container 'api' sets ADFLOW_NATS_ADDRESS, which no code reads",
        "api.yaml: container 'api' does not get ADFLOW_NATS_URL",
        "migrate.yaml: container 'migrate' sets ADFLOW_NATS_ADDRESS, which no code reads",
        "migrate.yaml: container 'migrate' does not get ADFLOW_NATS_URL",
        "processor.yaml: container 'processor' sets ADFLOW_NATS_ADDRESS, which no code reads",
        "processor.yaml: container 'processor' does not get ADFLOW_NATS_URL",
      ],
    )
    const problems = checkEnvironment(
      parse([["processor.yaml", "name: adflow-secrets", "name: adflow-secret"]]),
      namesRead,
    )
    assert.includeMembers(problems, [
      "processor.yaml: container 'processor' reads Secret 'adflow-secret', which is not defined",
      "processor.yaml: container 'processor' does not get ADFLOW_PG_URL",
    ])
  })

  it("a Service that selects nothing or targets an undeclared port", () => {
    assert.deepStrictEqual(
      checkServices(parse([["api-service.yaml", "name: adflow-api\n  ports", "name: adflow-apii\n  ports"]])),
      ["api-service.yaml: Service 'adflow-api' selects no Deployment"],
    )
    assert.deepStrictEqual(checkServices(parse([["processor.yaml", "name: metrics", "name: prometheus"]])), [
      "processor-service.yaml: Service 'adflow-processor' targets port 'metrics', which no container declares",
    ])
  })

  it("a wrong image, wrong arguments, root, a selector that misses its pods, probes on the wrong path", () => {
    assert.deepStrictEqual(
      checkWorkloads(
        parse([
          ["processor.yaml", "image: adflow/processor:latest", "image: adflow/api:latest"],
          ["migrate.yaml", 'args: ["migrate"]', 'args: ["seed"]'],
          ["migrate.yaml", "runAsNonRoot: true", "runAsNonRoot: false"],
          [
            "api.yaml",
            "    matchLabels:\n      app.kubernetes.io/name: adflow-api",
            "    matchLabels:\n      app.kubernetes.io/name: api",
          ],
          ["api.yaml", "path: /healthz", "path: /"],
        ]),
        expected,
      ),
      [
        "Deployment 'adflow-api' selector does not match its pods",
        "Deployment 'adflow-processor' runs image 'adflow/api', not 'adflow/processor'",
        "Job 'adflow-migrate' runs with 'seed', not 'migrate'",
        "Job 'adflow-migrate' may run as root",
        "Deployment 'adflow-api' readinessProbe does not GET /healthz on port 8080",
      ],
    )
    assert.deepStrictEqual(
      checkWorkloads(parse([["api.yaml", 'value: "8080"', 'value: "9000"']]), expected),
      [
        "Deployment 'adflow-api' readinessProbe does not GET /healthz on port 9000",
        "Deployment 'adflow-api' livenessProbe does not GET /healthz on port 9000",
      ],
    )
  })
})
