#!/usr/bin/env node
/**
 * `npm start`: build the H5 when dist/ is missing or older than its sources, then run the server
 * (sandbox unless DingTalk credentials are configured). Signals are passed on to the server so
 * Ctrl-C and `kill` shut it down gracefully.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)

/** Everything the built H5 is made from. */
const H5_SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json', 'server/contract']

/** Newest modification time (ms) under `path`, or 0 when it does not exist. */
function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) {
    // Tests do not end up in the bundle; editing one should not trigger a rebuild.
    if (/\.test\.ts$/.test(entry)) continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

/** True when dist/index.html is missing or older than any H5 source. */
export function needsBuild(dir = root) {
  const built = join(dir, 'dist', 'index.html')
  if (!existsSync(built)) return true
  const builtAt = statSync(built).mtimeMs
  return H5_SOURCES.some((source) => newestMtime(join(dir, source)) > builtAt)
}

/** Runs a command with inherited stdio, passing SIGINT/SIGTERM on; resolves with its exit code. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: process.env })
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('error', (error) => {
      console.error(`Could not run ${command}: ${error.message}`)
      resolve(1)
    })
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1))
    })
  })
}

async function main() {
  if (needsBuild()) {
    console.log('Building the H5 (dist/ is missing or out of date)…')
    const code = await run(bin('vite'), ['build'])
    if (code !== 0) {
      console.error('The H5 build failed; see the output above.')
      process.exit(code)
    }
  }
  process.exit(await run(bin('tsx'), [join('server', 'main.ts')]))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
