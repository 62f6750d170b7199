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

/** Vitest globalSetup: checks Chromium, then runs `vite build` if dist/index.html is stale. */
export default function setup(): void {
  chromiumPath()
  const built = join(root, 'dist', 'index.html')
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'server/contract'].map((p) => join(root, p))
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0
  const changedAt = Math.max(...sources.map(newestMtime))
  if (builtAt >= changedAt) return
  console.log('[e2e] dist/ is missing or older than src/: running vite build')
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  })
}
