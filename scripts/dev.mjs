#!/usr/bin/env node
/**
 * `npm run dev`: the server (tsx watch, restarts on change) and the Vite dev server (hot reload,
 * proxies /api to the server on PORT, default 3000 — see vite.config.ts) side by side. When either
 * stops, the other is stopped too.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)

// vite.config.ts proxies /api to 127.0.0.1:3000, so the server must listen there.
const DEV_SERVER_PORT = '3000'
if (process.env.PORT && process.env.PORT !== DEV_SERVER_PORT) {
  console.warn(`npm run dev ignores PORT=${process.env.PORT}: the Vite proxy expects the server on ${DEV_SERVER_PORT}.`)
}
const env = { ...process.env, PORT: DEV_SERVER_PORT }

console.log('Dev mode: open http://localhost:5173 (Vite, hot reload); it proxies /api to the server on :3000.')

const children = [
  spawn(bin('tsx'), ['watch', '--clear-screen=false', join('server', 'main.ts')], { cwd: root, stdio: 'inherit', env }),
  spawn(bin('vite'), [], { cwd: root, stdio: 'inherit', env }),
]

let exitCode = null
function stopAll(code) {
  if (exitCode !== null) return
  exitCode = code
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
}

for (const child of children) {
  child.on('error', (error) => {
    console.error(`Could not start ${child.spawnfile}: ${error.message}`)
    stopAll(1)
  })
  child.on('exit', (code) => {
    stopAll(code ?? 0)
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode ?? 0)
  })
}
process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))
