import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

// Linux reports a process's CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`).
const TICKS_PER_SECOND = 100

interface Stat {
  readonly ppid: number
  /** utime + stime of the process itself. */
  readonly own: number
  /** cutime + cstime: its exited, reaped children. */
  readonly reaped: number
}

const stat = (pid: number): Stat | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    }
  } catch {
    return undefined
  }
}

/**
 * CPU seconds used so far by a process and all its descendants, living or exited (PostgreSQL
 * serves each connection from a child of the postmaster).
 */
export const treeCpuSeconds = (root: number): number => {
  const stats = new Map<number, Stat>()
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const s = stat(pid)
    if (s !== undefined) stats.set(pid, s)
  }
  const children = new Map<number, Array<number>>()
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid])
  let ticks = 0
  const visit = (pid: number) => {
    const s = stats.get(pid)
    if (s === undefined) return
    ticks += s.own + s.reaped
    for (const child of children.get(pid) ?? []) visit(child)
  }
  visit(root)
  return ticks / TICKS_PER_SECOND
}

/** CPU seconds of a process's exited, reaped children (a child that ran and exited shows here). */
export const reapedChildrenSeconds = (pid: number): number => (stat(pid)?.reaped ?? 0) / TICKS_PER_SECOND

/** The stack's server processes by name, from a `stack.sh` data folder (e.g. `.stack/procperf`). */
export const stackServers = (stackDir: string): ReadonlyMap<string, number> => {
  const servers = new Map<string, number>()
  const pidFrom = (file: string) => Number(readFileSync(file, "utf8").split("\n")[0]!.trim())
  for (const name of ["nats", "redis", "clickhouse"]) {
    const file = join(stackDir, `${name}.pid`)
    if (existsSync(file)) servers.set(name, pidFrom(file))
  }
  const postmaster = join(stackDir, "pg", "postmaster.pid")
  if (existsSync(postmaster)) servers.set("postgres", pidFrom(postmaster))
  return servers
}

/** CPU seconds of each named process tree between `start()` and the returned function's call. */
export const measure = (processes: ReadonlyMap<string, number>) => {
  const before = new Map([...processes].map(([name, pid]) => [name, treeCpuSeconds(pid)] as const))
  return (): ReadonlyMap<string, number> =>
    new Map([...processes].map(([name, pid]) => [name, treeCpuSeconds(pid) - before.get(name)!] as const))
}
