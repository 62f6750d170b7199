// Runs once before the e2e project: the browser tests exercise the built H5 (dist/), so build it when it is
// missing or older than its sources, and fail early with one clear message when Chromium is absent.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromiumPath } from './browser'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Newest modification time (ms) of a file or of any file below a directory. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** Chromium answering `--version` within this bound counts as runnable. */
const VERSION_TIMEOUT_MS = 15_000
/** A build on two busy cores takes about a minute; past this something is stuck. */
const BUILD_TIMEOUT_MS = 300_000

/** Throws one clear line when the Chromium binary is missing or does not run (not a hang in every file's beforeAll). */
function checkChromiumRuns(): void {
  const path = chromiumPath()
  try {
    execFileSync(path, ['--version'], { timeout: VERSION_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'], killSignal: 'SIGKILL' })
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new Error(`Chromium at ${path} does not run (\`${path} --version\`, ${VERSION_TIMEOUT_MS} ms): ${detail}`)
  }
}

/** Runs `vite build` when dist/index.html is missing or older than its sources (the WebKit suite's setup too). */
export function buildWhenStale(): void {
  const built = join(root, 'dist', 'index.html')
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'server/contract'].map((p) => join(root, p))
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0
  const changedAt = Math.max(...sources.map(newestMtime))
  if (builtAt >= changedAt) return
  console.log('[e2e] dist/ is missing or older than src/: running vite build')
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    // Vitest sets NODE_ENV=test, and Vite builds Vue's development bundle under it (about 60 KiB gzip
    // more): the browser tests must see the bundle people get.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
    timeout: BUILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  })
}

/** Vitest globalSetup: checks Chromium, then runs `vite build` if dist/index.html is stale. */
export default function setup(): void {
  checkChromiumRuns()
  buildWhenStale()
}
