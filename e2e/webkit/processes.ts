/**
 * The WebKit suite's helpers outside Node: an X display (Xvfb, unless DISPLAY names one) and Debian's
 * WebKitWebDriver, each on a free display/port, tracked so they die with the test process
 * (testing/child-processes.ts), and one clear message when either is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join } from 'node:path'
import { stopChild, trackChild, waitForChild } from '@testing/child-processes'
import { driverReady } from './webdriver'

/** Debian's webkit2gtk-driver (WebKitWebDriver) and WebKitGTK's MiniBrowser (libwebkit2gtk-4.1-0). */
export const WEBKIT_DRIVER = process.env.WEBKIT_WEBDRIVER || 'WebKitWebDriver'
export const MINIBROWSER = process.env.WEBKIT_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'
const XVFB = 'Xvfb'

const START_TIMEOUT_MS = 30_000

/** The absolute path of `command` (as given when it has a slash, else looked up on PATH), or null. */
export function findExecutable(command: string): string | null {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command))
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // Not here.
    }
  }
  return null
}

/** What is missing to run the WebKit suite, as one message naming the Debian packages; null when nothing is. */
export function missingWebKitTools(): string | null {
  const missing: string[] = []
  if (!findExecutable(WEBKIT_DRIVER)) missing.push(`${WEBKIT_DRIVER} (Debian package webkit2gtk-driver, or set WEBKIT_WEBDRIVER)`)
  if (!findExecutable(MINIBROWSER)) missing.push(`${MINIBROWSER} (Debian package libwebkit2gtk-4.1-0, or set WEBKIT_MINIBROWSER)`)
  if (!process.env.DISPLAY && !findExecutable(XVFB)) missing.push(`${XVFB} (Debian package xvfb, or set DISPLAY)`)
  return missing.length ? `The WebKit e2e suite cannot run: missing ${missing.join('; ')}` : null
}

/** A port nobody listens on right now (the OS picks it; the driver binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('no free port')
  return address.port
}

function collectOutput(child: ChildProcess): () => string {
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return () => output
}

export interface WebKitTools {
  /** WebKitWebDriver's base URL. */
  driverUrl: string
  /** The X display the browser draws on. */
  display: string
  /** Stops the driver and Xvfb (if this started one). */
  stop(): Promise<void>
}

/** Starts Xvfb on a free display (`-displayfd`) and resolves with its name, e.g. ":99". */
async function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  // fd 3 is where Xvfb writes the display number it chose once it accepts connections.
  const child = trackChild(
    spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] }),
  )
  const output = collectOutput(child)
  const displayFd = child.stdio[3] as NodeJS.ReadableStream
  const ready = new Promise<string>((resolve) => {
    let text = ''
    displayFd.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('\n')) resolve(`:${text.trim()}`)
    })
  })
  const display = await waitForChild(child, ready, { what: 'Xvfb', timeoutMs: START_TIMEOUT_MS, output })
  return { display, child }
}

/** Starts the X display (unless DISPLAY is set) and WebKitWebDriver on a free port. */
export async function startWebKitTools(): Promise<WebKitTools> {
  const missing = missingWebKitTools()
  if (missing) throw new Error(missing)
  const xvfb = process.env.DISPLAY ? null : await startXvfb()
  const display = xvfb?.display ?? process.env.DISPLAY!
  try {
    const port = await freePort()
    // Its own process group: a kill reaches the MiniBrowser it starts too, not only the driver.
    const driver = trackChild(
      spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
        env: { ...process.env, DISPLAY: display },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
      { group: true },
    )
    const driverUrl = `http://127.0.0.1:${port}`
    await waitForChild(driver, driverReady(driverUrl, START_TIMEOUT_MS), {
      what: 'WebKitWebDriver',
      timeoutMs: START_TIMEOUT_MS,
      output: collectOutput(driver),
    })
    return {
      driverUrl,
      display,
      async stop() {
        await stopChild(driver, { graceMs: 5_000 })
        if (xvfb) await stopChild(xvfb.child, { graceMs: 5_000 })
      },
    }
  } catch (error) {
    if (xvfb) await stopChild(xvfb.child, { graceMs: 5_000 })
    throw error
  }
}
