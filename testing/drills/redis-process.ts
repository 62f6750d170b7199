/**
 * A real `redis-server` (Debian's package) for the replica drills and the Redis store tests: on a
 * free loopback port, nothing persisted, stopped and started again on the same port on demand
 * (the "Redis goes away mid-run" drill). Fails with one clear message when the binary is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { freePort } from './free-port'

export const REDIS_BINARY = process.env['REDIS_SERVER_PATH'] ?? 'redis-server'
const START_TIMEOUT_MS = 15_000

export interface RedisProcess {
  url: string
  port: number
  /** Stops Redis (SIGTERM, then SIGKILL); its data is gone, as after a crash without persistence. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
}

/** Throws one clear message unless `redis-server` runs. */
export function requireRedisBinary(): void {
  const probe = spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `redis-server not found (${REDIS_BINARY}): npm run test:replicas needs it. On Debian: apt-get install -y redis-server ` +
        '(or set REDIS_SERVER_PATH).',
    )
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')))
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Starts `redis-server` on a free port and waits until it answers PING. */
export async function startRedisProcess(): Promise<RedisProcess> {
  requireRedisBinary()
  const port = await freePort()
  let child: ChildProcess | null = null
  let output = ''

  async function start(): Promise<void> {
    output = ''
    const proc = spawn(
      REDIS_BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = proc
    proc.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)))
    proc.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)))
    const deadline = Date.now() + START_TIMEOUT_MS
    while (!(await answersPing(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL')
        throw new Error(`redis-server did not start on port ${port}:\n${output}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async function stop(): Promise<void> {
    const proc = child
    child = null
    if (!proc) return
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
    await exited(proc)
    clearTimeout(timer)
  }

  await start()
  // A crashed test run must not leave Redis behind.
  process.once('exit', () => child?.kill('SIGKILL'))
  return { url: `redis://127.0.0.1:${port}`, port, stop, start }
}
