import { readdirSync, existsSync } from "node:fs"
import { defineWorkspace } from "vitest/config"

// One vitest project per package and service that has a test folder; files run in parallel,
// each isolated on the shared test stack by the testkit's namespace.
const projects = ["packages", "services"].flatMap((group) =>
  readdirSync(group)
    .filter((name) => existsSync(`${group}/${name}/test`))
    .map((name) => ({
      test: {
        name: `${group}/${name}`,
        root: `${group}/${name}`,
        include: ["test/**/*.test.ts"],
        testTimeout: 60_000,
        hookTimeout: 120_000,
      },
    })),
)

// The Docker side (compose file, Dockerfile, service configs) and README's configuration table,
// checked against the code; needs the `docker-compose` binary, not a Docker engine.
const infra = {
  test: { name: "infra", root: "infra", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
}

export default defineWorkspace([...projects, infra])
