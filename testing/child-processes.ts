/**
 * Child processes that can neither outlive nor hang the tool that started them (the benchmark, the
 * drills, the e2e harness). Every child handed to `trackChild` is killed when this process exits,
 * and on SIGINT/SIGTERM/SIGHUP once a command-line tool calls `killChildrenOnSignals()`. Waiting for
 * a child to become ready is always bounded: on timeout, or when the child dies first, the child is
 * killed and the wait rejects with one message naming what did not start and the child's last output.
 */
import type { ChildProcess } from 'node:child_process'

/** Live children, and whether each leads its own process group (spawned with `detached: true`). */
const live = new Map<ChildProcess, { group: boolean }>()
let exitHookInstalled = false

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

/**
 * Registers `child` to be killed when this process exits. `group: true` for a child spawned with
 * `detached: true`: the kill then reaches its whole process group (e.g. tsx and the node it starts).
 */
export function trackChild<T extends ChildProcess>(child: T, opts: { group?: boolean } = {}): T {
  if (!exitHookInstalled) {
    // 'exit' listeners must be synchronous: kill() is.
    process.on('exit', killAllChildren)
    exitHookInstalled = true
  }
  live.set(child, { group: opts.group === true })
  child.once('exit', () => live.delete(child))
  return child
}

/** Sends `signal` (default SIGKILL) to the child, or to its process group when it leads one. */
export function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!running(child) || child.pid === undefined) return
  try {
    if (live.get(child)?.group) process.kill(-child.pid, signal)
    else child.kill(signal)
  } catch {
    // Gone between the check and the kill.
  }
}

/** SIGKILLs every tracked child that is still running (synchronous, so it works in an 'exit' listener). */
export function killAllChildren(): void {
  for (const child of live.keys()) killChild(child)
}

/** Resolves once the child has exited (at once if it already has). */
export function childExited(child: ChildProcess): Promise<void> {
  if (!running(child)) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Asks the child to stop with `signal`, SIGKILLs it after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  if (!running(child)) return
  killChild(child, opts.signal ?? 'SIGTERM')
  const timer = setTimeout(() => killChild(child, 'SIGKILL'), opts.graceMs ?? 10_000)
  await childExited(child)
  clearTimeout(timer)
}

export interface WaitForChildOptions {
  /** What is starting, for the message: "the server child", "Chromium". */
  what: string
  /** Upper bound of the wait. */
  timeoutMs: number
  /** The child's output so far, appended to the message when the wait fails. */
  output?: () => string
}

/**
 * Waits until `ready` resolves, at most `timeoutMs`. If the time runs out, the child exits first or
 * `ready` rejects, the child is killed (and reaped) and the returned promise rejects with a message
 * that says which of these happened.
 */
export async function waitForChild<T>(child: ChildProcess, ready: Promise<T>, opts: WaitForChildOptions): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined
  let onError: ((error: Error) => void) | undefined
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${opts.what} did not become ready within ${opts.timeoutMs} ms`)), opts.timeoutMs)
    onExit = (code, signal) => reject(new Error(`${opts.what} exited (${signal ?? `code ${code}`}) before it was ready`))
    onError = (error) => reject(new Error(`${opts.what} could not be started: ${error.message}`))
    if (!running(child)) onExit(child.exitCode, child.signalCode)
    child.once('exit', onExit)
    child.once('error', onError)
  })
  try {
    return await Promise.race([ready, failed])
  } catch (error) {
    killChild(child)
    await childExited(child)
    const output = opts.output?.().trim()
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(output ? `${message}; its last output:\n${output.slice(-4000)}` : message, { cause: error })
  } finally {
    clearTimeout(timer)
    if (onExit) child.off('exit', onExit)
    if (onError) child.off('error', onError)
  }
}

let signalsHandled = false

/**
 * For command-line tools (not test workers, whose runner owns signals): on SIGINT, SIGTERM or SIGHUP
 * kill every tracked child and exit with 128 + the signal number, as the default handler would.
 */
export function killChildrenOnSignals(): void {
  if (signalsHandled) return
  signalsHandled = true
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }
  for (const [signal, number] of Object.entries(numbers)) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping ${live.size} child process(es)`)
      killAllChildren()
      process.exit(128 + (number ?? 0))
    })
  }
}
