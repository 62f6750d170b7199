/**
 * Debian's nginx running deploy/nginx/doc-attach.conf in front of the drill's replicas: the
 * upstream lines and the listen port are replaced, everything else is the shipped file. It runs
 * as a non-daemon child with its own prefix, pid, logs and temp dirs in a temp folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port'

export const NGINX_BINARY =
  process.env['NGINX_PATH'] ?? (spawnSync('sh', ['-c', 'command -v nginx']).stdout?.toString().trim() || '/usr/sbin/nginx')
const SHIPPED_CONFIG = fileURLToPath(new URL('../../deploy/nginx/doc-attach.conf', import.meta.url))
const START_TIMEOUT_MS = 15_000

export interface NginxProcess {
  url: string
  stop(): Promise<void>
  /** nginx's error log so far (for failure messages). */
  errorLog(): string
}

/** Throws one clear message unless nginx runs. */
export function requireNginxBinary(): void {
  const probe = spawnSync(NGINX_BINARY, ['-v'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `nginx not found (${NGINX_BINARY}): npm run test:replicas needs it. On Debian: apt-get install -y nginx (or set NGINX_PATH).`,
    )
  }
}

/** The shipped site config with these upstream addresses (`host:port`) and this listen port. */
export function siteConfig(upstreams: readonly string[], port: number): string {
  const shipped = readFileSync(SHIPPED_CONFIG, 'utf8')
  const servers = upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=3s;`).join('\n')
  const withServers = shipped.replace(/(upstream doc_attach \{\n(?:\s*#[^\n]*\n)*)(?:\s*server [^\n]*\n)+/, `$1${servers}\n`)
  if (withServers === shipped) throw new Error('deploy/nginx/doc-attach.conf: no upstream server lines to replace')
  return withServers.replace(/listen \d+;/, `listen 127.0.0.1:${port};`)
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Starts nginx in front of `upstreams` on a free port; resolves once it accepts connections. */
export async function startNginx(upstreams: readonly string[]): Promise<NginxProcess> {
  requireNginxBinary()
  const port = await freePort()
  const prefix = mkdtempSync(join(tmpdir(), 'doc-attach-nginx-'))
  for (const dir of ['logs', 'temp']) mkdirSync(join(prefix, dir))
  writeFileSync(join(prefix, 'doc-attach.conf'), siteConfig(upstreams, port))
  const errorLog = join(prefix, 'logs', 'error.log')
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(prefix, 'temp', t)};`),
      `  include ${join(prefix, 'doc-attach.conf')};`,
      '}',
      '',
    ].join('\n'),
  )
  const child = spawn(NGINX_BINARY, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', errorLog, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)))
  const readLog = () => {
    try {
      return readFileSync(errorLog, 'utf8').slice(-8000)
    } catch {
      return ''
    }
  }
  const stop = async () => {
    child.kill('SIGQUIT')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited(child)
    clearTimeout(timer)
    rmSync(prefix, { recursive: true, force: true })
  }
  process.once('exit', () => child.kill('SIGKILL'))
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!(await listens(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = `${stderr}\n${readLog()}`
      await stop()
      throw new Error(`nginx did not start:\n${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { url: `http://127.0.0.1:${port}`, stop, errorLog: readLog }
}
