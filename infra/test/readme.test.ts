import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "vitest"
import { literalDefault, namesOf, scanRepository, scanSource, type EnvRead } from "./codeEnv.js"
import { repoRoot } from "./dockerCompose.js"
import { checkConfigurationTable, readConfigurationTable } from "./readmeTable.js"

const readme = readFileSync(join(repoRoot, "README.md"), "utf8")
const reads = scanRepository(repoRoot)
const serviceNames = new Set(readdirSync(join(repoRoot, "services")))

const readAt = (name: string, owner: string, defaultSource?: string): EnvRead => ({
  name,
  owner,
  file: `${owner}/src/X.ts`,
  defaultSource,
})

describe("the code's ADFLOW_* reads", () => {
  it("are found with their defaults, in every form the code uses", () => {
    const source = [
      'const a = Config.string("ADFLOW_A").pipe(Config.withDefault("nats://127.0.0.1:1"))',
      "const b = Config.integer('ADFLOW_B').pipe(Config.withDefault(10), Config.validate({ message: 'x', validation: (n) => n > 0 }))",
      'const c = Config.duration("ADFLOW_C").pipe(\n  Config.withDefault(Duration.seconds(5)),\n)',
      'const d = Config.redacted("ADFLOW_D")',
      "const e = process.env.ADFLOW_E ?? process.env['ADFLOW_F']",
      'const ignored = "ADFLOW_NOT_A_READ"',
    ].join("\n")
    const found = scanSource(source, "packages/x/src/X.ts", "packages/x")
    assert.deepStrictEqual(
      found.map((read) => [read.name, read.defaultSource]),
      [
        ["ADFLOW_A", '"nats://127.0.0.1:1"'],
        ["ADFLOW_B", "10"],
        ["ADFLOW_C", "Duration.seconds(5)"],
        ["ADFLOW_D", undefined],
        ["ADFLOW_E", undefined],
        ["ADFLOW_F", undefined],
      ],
    )
    assert.deepStrictEqual(
      ['"a:b"', "'x'", "`t`", "10", "1_000", "true", "Duration.seconds(5)", "`${x}`"].map(literalDefault),
      ["a:b", "x", "t", "10", "1000", "true", undefined, undefined],
    )
  })

  it("include the ones every service needs (the scan sees the real sources)", () => {
    const names = namesOf(reads)
    for (const name of [
      "ADFLOW_NATS_URL",
      "ADFLOW_REDIS_URL",
      "ADFLOW_PG_URL",
      "ADFLOW_CLICKHOUSE_URL",
      "ADFLOW_PORT",
    ]) {
      assert.include(names, name)
    }
    assert.isFalse(
      reads.some((read) => read.owner === "packages/testkit"),
      "the testkit's test-stack defaults are not service configuration",
    )
  })
})

describe("README.md's Configuration table", () => {
  it("lists exactly the variables the code reads, with the code's defaults and services", () => {
    const problems = checkConfigurationTable(readConfigurationTable(readme), reads, serviceNames)
    assert.deepStrictEqual(problems, [])
  })

  it("check fails on a table that drifted from the code", () => {
    const table = [
      "## Configuration",
      "",
      "| variable | services | default | meaning |",
      "| --- | --- | --- | --- |",
      "| `ADFLOW_A` | api | `1` | a |",
      "| `ADFLOW_GONE` | api | - | no longer read |",
      "| `ADFLOW_C` | processor, nowhere | - | c |",
      "| `ADFLOW_D` | cli | - | |",
      "| `ADFLOW_D` | cli | - | twice |",
      "",
      "## Next section",
      "| `ADFLOW_B` | api | - | outside the section, so not a row |",
    ].join("\n")
    const code = [
      readAt("ADFLOW_A", "packages/bus", "2"),
      readAt("ADFLOW_B", "packages/bus"),
      readAt("ADFLOW_C", "services/api"),
      readAt("ADFLOW_D", "packages/store", '"x"'),
      readAt("ADFLOW_D", "services/cli", '"y"'),
    ]
    const problems = checkConfigurationTable(
      readConfigurationTable(table),
      code,
      new Set(["api", "processor", "cli"]),
    )
    assert.deepStrictEqual(problems, [
      "README gives ADFLOW_A the default '1', the code '2'",
      "README lists ADFLOW_GONE, which no code reads",
      "README: ADFLOW_C names an unknown service 'nowhere'",
      "README: ADFLOW_C is read by service 'api' (services/api/src/X.ts), not listed",
      "the code gives ADFLOW_D different defaults: x, y",
      "README: ADFLOW_D has no meaning",
      "README lists ADFLOW_D twice",
      "the code gives ADFLOW_D different defaults: x, y",
      "README does not list ADFLOW_B (read in packages/bus/src/X.ts)",
    ])
  })

  it("must exist, with its four columns", () => {
    assert.throws(() => readConfigurationTable("# adflow\n"), /no '## Configuration' section/)
    assert.throws(
      () => readConfigurationTable("## Configuration\n\n| name | default |\n| - | - |\n| `ADFLOW_A` | 1 |\n"),
      /columns/,
    )
  })
})
