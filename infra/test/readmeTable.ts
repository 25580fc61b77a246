import { literalDefault, type EnvRead } from "./codeEnv.js"

/** One row of README.md's "## Configuration" table. */
export interface ConfigurationRow {
  readonly name: string
  readonly services: ReadonlyArray<string>
  /** The default cell without its backticks; "" when the cell is empty or a dash. */
  readonly defaultValue: string
  readonly meaning: string
}

const cells = (line: string): Array<string> =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, "|"))

const unquote = (cell: string) => {
  const code = /^`(.*)`$/.exec(cell)
  return code === null ? cell : code[1]!
}

/** The section from `## Configuration` to the next `## ` heading. */
export const configurationSection = (readme: string): string | undefined => {
  const start = readme.search(/^## Configuration\s*$/m)
  if (start < 0) return undefined
  const rest = readme.slice(start + "## Configuration".length)
  const end = rest.search(/^## /m)
  return end < 0 ? rest : rest.slice(0, end)
}

/**
 * The rows of the section's table whose first cell is an `ADFLOW_*` name. Throws when the section
 * or its table is missing, or a row does not have the four columns.
 */
export const readConfigurationTable = (readme: string): Array<ConfigurationRow> => {
  const section = configurationSection(readme)
  if (section === undefined) throw new Error("README.md has no '## Configuration' section")
  const rows = section
    .split("\n")
    .filter((line) => line.trim().startsWith("|"))
    .map(cells)
  const header = rows[0]?.map((cell) => cell.toLowerCase())
  if (header === undefined || header.join("|") !== "variable|services|default|meaning") {
    throw new Error("the Configuration table must have the columns: variable | services | default | meaning")
  }
  return rows
    .slice(1)
    .filter((row) => !row.every((cell) => /^:?-+:?$/.test(cell)))
    .map((row) => {
      if (row.length !== 4) throw new Error(`a Configuration row needs four cells: | ${row.join(" | ")} |`)
      const [name, services, defaultCell, meaning] = row as [string, string, string, string]
      const defaultValue = unquote(defaultCell)
      return {
        name: unquote(name),
        services: services
          .split(",")
          .map((service) => service.trim())
          .filter((service) => service !== ""),
        defaultValue: defaultValue === "-" || defaultValue === "—" ? "" : defaultValue,
        meaning,
      }
    })
}

/** The service whose own sources read a variable (`services/api/src/...` → `api`). */
const serviceOf = (read: EnvRead) => /^services\/([^/]+)$/.exec(read.owner)?.[1]

/**
 * The table and the code agree: every name the code reads has exactly one row and every row is
 * a name the code reads; a literal default in the code is the row's default (and the code agrees
 * with itself on it); the services column names only real services and includes every service
 * whose own sources read the variable; every row explains the variable.
 */
export const checkConfigurationTable = (
  rows: ReadonlyArray<ConfigurationRow>,
  reads: ReadonlyArray<EnvRead>,
  serviceNames: ReadonlySet<string>,
): Array<string> => {
  const problems: Array<string> = []
  const readsByName = new Map<string, Array<EnvRead>>()
  for (const read of reads) readsByName.set(read.name, [...(readsByName.get(read.name) ?? []), read])
  const seen = new Set<string>()
  for (const row of rows) {
    if (seen.has(row.name)) problems.push(`README lists ${row.name} twice`)
    seen.add(row.name)
    const readsOfRow = readsByName.get(row.name)
    if (readsOfRow === undefined) {
      problems.push(`README lists ${row.name}, which no code reads`)
      continue
    }
    const defaults = [
      ...new Set(
        readsOfRow.flatMap((read) => {
          const literal = read.defaultSource === undefined ? undefined : literalDefault(read.defaultSource)
          return literal === undefined ? [] : [literal]
        }),
      ),
    ]
    if (defaults.length > 1) {
      problems.push(`the code gives ${row.name} different defaults: ${defaults.join(", ")}`)
    } else if (defaults.length === 1 && defaults[0] !== row.defaultValue) {
      problems.push(`README gives ${row.name} the default '${row.defaultValue}', the code '${defaults[0]}'`)
    }
    for (const service of row.services) {
      if (!serviceNames.has(service))
        problems.push(`README: ${row.name} names an unknown service '${service}'`)
    }
    for (const read of readsOfRow) {
      const service = serviceOf(read)
      if (service !== undefined && !row.services.includes(service)) {
        problems.push(`README: ${row.name} is read by service '${service}' (${read.file}), not listed`)
      }
    }
    if (row.services.length === 0) problems.push(`README: ${row.name} names no service`)
    if (row.meaning.trim() === "") problems.push(`README: ${row.name} has no meaning`)
  }
  for (const [name, readsOfName] of readsByName) {
    if (!seen.has(name)) {
      problems.push(
        `README does not list ${name} (read in ${readsOfName.map((read) => read.file).join(", ")})`,
      )
    }
  }
  return problems
}
