import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readYaml, type Yaml } from "./yaml.js"

/** The repository root (this file lives in infra/test). */
export const repoRoot = join(import.meta.dirname, "..", "..")

export interface ComposeResult {
  readonly ok: boolean
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the `docker-compose` binary (1.29) on a compose file; `config` needs no Docker engine.
 * The project directory is the repository root, so a fixture written elsewhere resolves its
 * relative paths (build context, mounted configs) exactly as docker-compose.yml does.
 */
export const runCompose = (file: string, args: ReadonlyArray<string>): ComposeResult => {
  const result = spawnSync("docker-compose", ["--project-directory", repoRoot, "-f", file, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    // Only what docker-compose itself needs: a variable of the caller's must not leak into `${...}`.
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp" },
  })
  if (result.error !== undefined) throw result.error
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr }
}

/** The compose model after docker-compose resolved anchors, merges and defaults. */
export const resolvedConfig = (file: string): Yaml => {
  const result = runCompose(file, ["config"])
  if (!result.ok) throw new Error(`docker-compose config failed:\n${result.stderr}`)
  return readYaml(result.stdout)
}

/** Writes `source` to a temporary compose file and passes its path to `use`. */
export const withComposeFile = <A>(source: string, use: (file: string) => A): A => {
  const dir = mkdtempSync(join(tmpdir(), "adflow-compose-"))
  try {
    const file = join(dir, "docker-compose.yml")
    writeFileSync(file, source)
    return use(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
