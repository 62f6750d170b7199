// The guarantees the benchmark, the drills and the e2e harness rely on to end instead of hanging: a child
// that never becomes ready is killed and the wait rejects within its bound; one that dies early is
// reported with its output; a detached child's whole process group goes; nothing outlives the parent.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { childExited, killChild, stopChild, trackChild, waitForChild } from './child-processes'

const NEVER_READY = 'setInterval(() => {}, 1000); console.log("starting, never ready")'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Resolves once `pid` is gone (the test's own timeout fails it otherwise). */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe('waitForChild', () => {
  it('kills a child that never becomes ready and rejects naming it, once the bound has passed', async () => {
    const child = trackChild(spawn(process.execPath, ['-e', NEVER_READY], { stdio: ['ignore', 'pipe', 'pipe'] }))
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const never = new Promise<string>(() => {})

    await expect(waitForChild(child, never, { what: 'the never-ready child', timeoutMs: 300, output: () => output })).rejects.toThrow(
      /^the never-ready child did not become ready within 300 ms/,
    )
    // Killed, reaped: nothing left running.
    expect(child.signalCode).toBe('SIGKILL')
    expect(alive(child.pid!)).toBe(false)
  })

  it('rejects with the exit code and the last output when the child dies before it is ready', async () => {
    const child = trackChild(
      spawn(process.execPath, ['-e', 'console.error("listen EADDRINUSE: address already in use"); process.exit(3)'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    let output = ''
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const never = new Promise<string>(() => {})

    const error = await waitForChild(child, never, { what: 'the server child', timeoutMs: 30_000, output: () => output }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^the server child exited \(code 3\) before it was ready; its last output:/)
    expect((error as Error).message).toContain('EADDRINUSE')
  })

  it('resolves with what the child announced when it becomes ready in time, and leaves it running', async () => {
    const child = trackChild(spawn(process.execPath, ['-e', 'console.log("ready at 42"); setInterval(() => {}, 1000)']))
    const ready = new Promise<string>((resolve) => child.stdout!.on('data', (chunk: Buffer) => resolve(chunk.toString().trim())))

    await expect(waitForChild(child, ready, { what: 'child', timeoutMs: 30_000 })).resolves.toBe('ready at 42')
    expect(alive(child.pid!)).toBe(true)
    await stopChild(child)
    expect(alive(child.pid!)).toBe(false)
  })
})

describe('killChild', () => {
  it('takes down the whole process group of a detached child (the grandchild too)', async () => {
    // A shell (like tsx) that starts a long-running node and prints its pid.
    const script = `"${process.execPath}" -e "setInterval(() => {}, 1000)" & echo $!; wait`
    const child = trackChild(spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }), { group: true })
    const grandchild = await new Promise<number>((resolve) =>
      child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))),
    )
    expect(alive(grandchild)).toBe(true)

    killChild(child)
    await childExited(child)
    await gone(grandchild)
    expect(alive(grandchild)).toBe(false)
  })
})

describe('trackChild', () => {
  it('kills the tracked children when the parent exits, even on an uncaught error', async () => {
    const helper = new URL('./child-processes.ts', import.meta.url).pathname
    // A parent that tracks a never-ready child, prints its pid and then crashes.
    const parentScript = [
      `import { spawn } from 'node:child_process'`,
      `import { trackChild } from '${helper}'`,
      `const child = trackChild(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }))`,
      `console.log(child.pid)`,
      `setTimeout(() => { throw new Error('parent crashed') }, 50)`,
    ].join('\n')
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', parentScript], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const orphan = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))))
    await childExited(parent)
    expect(parent.exitCode).not.toBe(0)
    await gone(orphan)
    expect(alive(orphan)).toBe(false)
  })
})
