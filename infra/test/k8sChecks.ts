import { asList, asMap, asString, type Yaml, type YamlMap } from "./yaml.js"

/** Checks of the Kubernetes manifests in infra/k8s (one document per file); problems as sentences. */

export interface Manifest {
  readonly file: string
  readonly document: YamlMap
}

const kindOf = (manifest: Manifest) => asString(manifest.document["kind"]) ?? ""
const nameOf = (manifest: Manifest) => asString(asMap(manifest.document["metadata"])["name"]) ?? ""
const podSpecOf = (manifest: Manifest) =>
  asMap(asMap(asMap(asMap(manifest.document["spec"])["template"])["spec"]))
const containersOf = (manifest: Manifest) => asList(podSpecOf(manifest)["containers"]).map(asMap)
const workloadsOf = (manifests: ReadonlyArray<Manifest>) =>
  manifests.filter((manifest) => kindOf(manifest) === "Deployment" || kindOf(manifest) === "Job")
const stringMap = (value: Yaml | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(asMap(value)).map(([key, entry]) => [key, asString(entry) ?? ""]))

/** The kustomization lists every manifest file, and only existing ones. */
export const checkKustomization = (kustomization: Yaml, files: ReadonlyArray<string>): Array<string> => {
  const listed = asList(asMap(kustomization)["resources"]).map((entry) => asString(entry) ?? "")
  return [
    ...listed
      .filter((file) => !files.includes(file))
      .map((file) => `kustomization lists '${file}', which does not exist`),
    ...files.filter((file) => !listed.includes(file)).map((file) => `kustomization does not list '${file}'`),
  ]
}

/** The variables one container receives, by name: its `env` and the ConfigMaps and Secrets of its `envFrom`. */
const containerEnvironment = (
  container: YamlMap,
  manifests: ReadonlyArray<Manifest>,
): { names: Set<string>; problems: Array<string> } => {
  const names = new Set(asList(container["env"]).map((entry) => asString(asMap(entry)["name"]) ?? ""))
  const problems: Array<string> = []
  for (const source of asList(container["envFrom"]).map(asMap)) {
    for (const [refKey, kind, dataKeys] of [
      ["configMapRef", "ConfigMap", ["data"]],
      ["secretRef", "Secret", ["data", "stringData"]],
    ] as const) {
      const ref = asString(asMap(source[refKey])["name"])
      if (ref === undefined) continue
      const target = manifests.find((manifest) => kindOf(manifest) === kind && nameOf(manifest) === ref)
      if (target === undefined) {
        problems.push(
          `container '${asString(container["name"])}' reads ${kind} '${ref}', which is not defined`,
        )
        continue
      }
      for (const key of dataKeys) for (const name of Object.keys(asMap(target.document[key]))) names.add(name)
    }
  }
  return { names, problems }
}

/**
 * Every `ADFLOW_*` variable the manifests set is one the code reads, and every workload's container
 * receives every URL variable the code reads (the defaults point at the local stack).
 */
export const checkEnvironment = (
  manifests: ReadonlyArray<Manifest>,
  namesRead: ReadonlySet<string>,
): Array<string> => {
  const problems: Array<string> = []
  for (const manifest of manifests) {
    const kind = kindOf(manifest)
    if (kind === "ConfigMap" || kind === "Secret") {
      const set = [
        ...Object.keys(stringMap(manifest.document["data"])),
        ...Object.keys(stringMap(manifest.document["stringData"])),
      ]
      for (const name of set) {
        if (name.startsWith("ADFLOW_") && !namesRead.has(name)) {
          problems.push(`${manifest.file}: ${kind} '${nameOf(manifest)}' sets ${name}, which no code reads`)
        }
      }
    }
  }
  for (const workload of workloadsOf(manifests)) {
    for (const container of containersOf(workload)) {
      const { names, problems: referenceProblems } = containerEnvironment(container, manifests)
      problems.push(...referenceProblems.map((problem) => `${workload.file}: ${problem}`))
      for (const name of names) {
        if (name.startsWith("ADFLOW_") && !namesRead.has(name)) {
          problems.push(
            `${workload.file}: container '${asString(container["name"])}' sets ${name}, which no code reads`,
          )
        }
      }
      for (const name of [...namesRead].filter((read) => read.endsWith("_URL")).sort()) {
        if (!names.has(name))
          problems.push(`${workload.file}: container '${asString(container["name"])}' does not get ${name}`)
      }
    }
  }
  return problems
}

const containerPort = (container: YamlMap, port: string): number | undefined => {
  for (const entry of asList(container["ports"]).map(asMap)) {
    const number = Number(asString(entry["containerPort"]))
    if (asString(entry["name"]) === port || String(number) === port) return number
  }
  return undefined
}

/** Each Service selects a Deployment's pods and targets a port its containers declare. */
export const checkServices = (manifests: ReadonlyArray<Manifest>): Array<string> =>
  manifests
    .filter((manifest) => kindOf(manifest) === "Service")
    .flatMap((service) => {
      const selector = stringMap(asMap(service.document["spec"])["selector"])
      const selected = manifests.filter((manifest) => {
        if (kindOf(manifest) !== "Deployment") return false
        const labels = stringMap(
          asMap(asMap(asMap(manifest.document["spec"])["template"])["metadata"])["labels"],
        )
        return Object.entries(selector).every(([key, value]) => labels[key] === value)
      })
      if (Object.keys(selector).length === 0 || selected.length === 0) {
        return [`${service.file}: Service '${nameOf(service)}' selects no Deployment`]
      }
      return asList(asMap(service.document["spec"])["ports"]).flatMap((entry) => {
        const target = asString(asMap(entry)["targetPort"]) ?? asString(asMap(entry)["port"]) ?? ""
        const found = selected.some((deployment) =>
          containersOf(deployment).some((container) => containerPort(container, target) !== undefined),
        )
        return found
          ? []
          : [
              `${service.file}: Service '${nameOf(service)}' targets port '${target}', which no container declares`,
            ]
      })
    })

export interface Workload {
  readonly kind: "Deployment" | "Job"
  readonly name: string
  /** The image repository, without tag: the one docker-compose.yml tags for the same Dockerfile target. */
  readonly image: string
  readonly args?: ReadonlyArray<string>
}

/**
 * The workloads exist with the expected images and arguments, run as non-root, their selectors
 * match their pods, and the api's probes hit `/healthz` on the port it listens on.
 */
export const checkWorkloads = (
  manifests: ReadonlyArray<Manifest>,
  expected: ReadonlyArray<Workload>,
): Array<string> => {
  const problems: Array<string> = []
  for (const want of expected) {
    const found = manifests.find(
      (manifest) => kindOf(manifest) === want.kind && nameOf(manifest) === want.name,
    )
    if (found === undefined) {
      problems.push(`${want.kind} '${want.name}' is missing`)
      continue
    }
    const [container] = containersOf(found)
    const image = (asString(container?.["image"]) ?? "").replace(/:[^/:]*$/, "")
    if (image !== want.image)
      problems.push(`${want.kind} '${want.name}' runs image '${image}', not '${want.image}'`)
    const args = asList(container?.["args"]).map((arg) => asString(arg) ?? "")
    if (want.args !== undefined && args.join(" ") !== want.args.join(" ")) {
      problems.push(`${want.kind} '${want.name}' runs with '${args.join(" ")}', not '${want.args.join(" ")}'`)
    }
    if (asString(asMap(podSpecOf(found)["securityContext"])["runAsNonRoot"]) !== "true") {
      problems.push(`${want.kind} '${want.name}' may run as root`)
    }
    if (want.kind === "Deployment") {
      const matchLabels = stringMap(asMap(asMap(found.document["spec"])["selector"])["matchLabels"])
      const labels = stringMap(asMap(asMap(asMap(found.document["spec"])["template"])["metadata"])["labels"])
      if (
        Object.keys(matchLabels).length === 0 ||
        !Object.entries(matchLabels).every(([key, value]) => labels[key] === value)
      ) {
        problems.push(`Deployment '${want.name}' selector does not match its pods`)
      }
    }
  }
  const api = manifests.find(
    (manifest) => kindOf(manifest) === "Deployment" && nameOf(manifest) === "adflow-api",
  )
  const apiContainer = api === undefined ? undefined : containersOf(api)[0]
  if (apiContainer !== undefined) {
    const env = Object.fromEntries(
      asList(apiContainer["env"]).map((entry) => [
        asString(asMap(entry)["name"]) ?? "",
        asString(asMap(entry)["value"]) ?? "",
      ]),
    )
    const listens = Number(env["ADFLOW_PORT"] ?? "8080")
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      const httpGet = asMap(asMap(apiContainer[probe])["httpGet"])
      const port = containerPort(apiContainer, asString(httpGet["port"]) ?? "")
      if (asString(httpGet["path"]) !== "/healthz" || port !== listens) {
        problems.push(`Deployment 'adflow-api' ${probe} does not GET /healthz on port ${listens}`)
      }
    }
  }
  return problems
}
