import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { repoRoot } from "./dockerCompose.js"

// A throwaway instance of the stack runner on ports of its own, with its data in a temporary folder.
const offset = 700
const redisPort = 16379 + offset
const dir = mkdtempSync(join(tmpdir(), "adflow-stack-test-"))
const env = {
  ...process.env,
  ADFLOW_STACK_PORT_OFFSET: String(offset),
  ADFLOW_STACK_DIR: dir,
  ADFLOW_STACK_START_TIMEOUT: "20",
}
const stack = (command: string) =>
  spawnSync("bash", ["infra/local/stack.sh", command, "--name", "failfast"], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
    timeout: 120_000,
  })

describe("the stack runner when a server cannot start", () => {
  let squatter: Server
  beforeAll(async () => {
    // Something else already holds Redis's port, so redis-server exits at once.
    squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(redisPort, "127.0.0.1", resolve))
  })
  afterAll(async () => {
    stack("down")
    await new Promise<void>((resolve) => squatter.close(() => resolve()))
    rmSync(dir, { recursive: true, force: true })
  })

  it("fails fast, shows that server's log tail and leaves nothing running", () => {
    const started = Date.now()
    const result = stack("up")
    expect(result.status).toBe(1)
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(result.stderr).toMatch(/redis exited during start-up/)
    expect(result.stderr).toMatch(/last lines of .*redis\.log/)
    expect(result.stderr).toMatch(/Address already in use/)
    // NATS had started before Redis failed; it must have been stopped again.
    expect(result.stderr).toMatch(/nats stopped/)
    expect(stack("status").stdout).toMatch(/nats\s+down/)
  })
})
