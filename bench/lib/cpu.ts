import { readFileSync } from 'node:fs'

/** Linux reports process times in clock ticks; USER_HZ is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100

export interface CpuTimes {
  user: number
  system: number
  /** read(2)-family and write(2)-family system calls (/proc/<pid>/io `syscr`, `syscw`). */
  reads: number
  writes: number
  faults: number
}

/**
 * CPU seconds process `pid` has used so far in user and kernel mode (/proc/<pid>/stat), and its
 * read and write system calls so far (/proc/<pid>/io): fewer, fuller socket reads cost less kernel time.
 */
export function cpuTimes(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces; the fields after its closing ")" are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const io = readFileSync(`/proc/${pid}/io`, 'utf8')
  const count = (key: string) => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN)
  return {
    user: Number(fields[11]) / TICKS_PER_SECOND,
    system: Number(fields[12]) / TICKS_PER_SECOND,
    faults: Number(fields[7]),
    reads: count('syscr'),
    writes: count('syscw'),
  }
}

/** CPU seconds (user + system) process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid)
  return user + system
}

/** What `fn` cost process `pid` in CPU seconds (user and system apart). */
export async function cpuOf(pid: number, fn: () => Promise<unknown>): Promise<CpuTimes> {
  const before = cpuTimes(pid)
  await fn()
  const after = cpuTimes(pid)
  return {
    user: after.user - before.user,
    system: after.system - before.system,
    reads: after.reads - before.reads,
    faults: after.faults - before.faults,
    writes: after.writes - before.writes,
  }
}
