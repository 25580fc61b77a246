import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

/** One place where the code reads an `ADFLOW_*` environment variable. */
export interface EnvRead {
  readonly name: string
  /** The file, relative to the repository root. */
  readonly file: string
  /** The package or service folder, e.g. `packages/bus` or `services/api`. */
  readonly owner: string
  /** The `Config.withDefault(...)` argument as written, when there is one. */
  readonly defaultSource: string | undefined
}

const configCall = /\bConfig\.[A-Za-z]+\(\s*(["'])(ADFLOW_[A-Z0-9_]+)\1\s*\)/g
const processEnv = /\bprocess\.env(?:\.(ADFLOW_[A-Z0-9_]+)|\[\s*(["'])(ADFLOW_[A-Z0-9_]+)\2\s*\])/g

/** The text between the parenthesis at `open` and its match (strings and nesting respected). */
const balanced = (source: string, open: number): string | undefined => {
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < source.length; i++) {
    const c = source[i]!
    if (quote !== undefined) {
      if (c === "\\") i++
      else if (c === quote) quote = undefined
      continue
    }
    if (c === '"' || c === "'" || c === "`") quote = c
    else if (c === "(") depth++
    else if (c === ")") {
      depth--
      if (depth === 0) return source.slice(open + 1, i)
    }
  }
  return undefined
}

/** The default given by `.pipe(..., Config.withDefault(x), ...)` right after a Config read. */
const defaultAfter = (source: string, end: number): string | undefined => {
  const pipe = /^\s*\.pipe\(/.exec(source.slice(end))
  if (pipe === null) return undefined
  const args = balanced(source, end + pipe[0].length - 1)
  if (args === undefined) return undefined
  const withDefault = /\bConfig\.withDefault\(/.exec(args)
  if (withDefault === null) return undefined
  return balanced(args, withDefault.index + withDefault[0].length - 1)?.trim()
}

/** Every `ADFLOW_*` read in one source text: `Config.<kind>("ADFLOW_...")` and `process.env.ADFLOW_...`. */
export const scanSource = (source: string, file: string, owner: string): Array<EnvRead> => {
  const reads: Array<EnvRead> = []
  for (const match of source.matchAll(configCall)) {
    const end = match.index + match[0].length
    reads.push({ name: match[2]!, file, owner, defaultSource: defaultAfter(source, end) })
  }
  for (const match of source.matchAll(processEnv)) {
    reads.push({ name: (match[1] ?? match[3])!, file, owner, defaultSource: undefined })
  }
  return reads
}

const typeScriptFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return entry === "node_modules" ? [] : typeScriptFiles(path)
    return entry.endsWith(".ts") && !entry.endsWith(".d.ts") ? [path] : []
  })

/**
 * The packages whose reads configure the deployed services. The testkit is left out: it reads
 * the same URLs, but with the test stack's ports as defaults, and never runs in a deployment.
 */
export const testOnlyPackages: ReadonlySet<string> = new Set(["packages/testkit"])

/** Every `ADFLOW_*` read under `packages/<name>/src` and `services/<name>/src`, test-only packages aside. */
export const scanRepository = (root: string): Array<EnvRead> =>
  ["packages", "services"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => `${group}/${name}`)
      .filter((owner) => !testOnlyPackages.has(owner) && existsSync(join(root, owner, "src")))
      .flatMap((owner) =>
        typeScriptFiles(join(root, owner, "src")).flatMap((path) =>
          scanSource(readFileSync(path, "utf8"), relative(root, path), owner),
        ),
      ),
  )

/** The literal value of a default written as a string, number or boolean literal; else undefined. */
export const literalDefault = (defaultSource: string): string | undefined => {
  const text = defaultSource.trim()
  const quoted = /^(["'`])((?:(?!\1)[^\\$]|\\.)*)\1$/.exec(text)
  if (quoted !== null) return quoted[2]!.replace(/\\(.)/g, "$1")
  if (/^-?\d[\d_]*(\.\d+)?$/.test(text)) return text.replace(/_/g, "")
  if (text === "true" || text === "false") return text
  return undefined
}

/** The names read, sorted. */
export const namesOf = (reads: ReadonlyArray<EnvRead>): Array<string> =>
  [...new Set(reads.map((read) => read.name))].sort()
