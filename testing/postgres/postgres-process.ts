/**
 * A real PostgreSQL server (Debian's `postgresql` package) for `npm run test:postgres`: a fresh
 * cluster in a temporary directory on a free loopback port, stopped and started again on the same
 * port on demand (the "database restarts under a running server" drill). As root it runs as user
 * `postgres` (PostgreSQL refuses to run as root). Fails with one clear message when the binaries
 * are missing.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../drills/free-port'

export interface PostgresProcess {
  url: string
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops it and removes its directory. */
  destroy(): Promise<void>
}

/** The directory holding initdb and pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string {
  const configured = process.env['PG_BIN']
  const candidates = configured
    ? [configured]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
  if (!found) {
    throw new Error(
      'PostgreSQL binaries (initdb, pg_ctl) not found: npm run test:postgres needs them. On Debian: apt-get install -y postgresql ' +
        '(or set PG_BIN to the directory holding them).',
    )
  }
  return found
}

const isRoot = () => process.getuid?.() === 0

/** Runs a PostgreSQL program, as user `postgres` when we are root. */
function run(bin: string, args: string[]): void {
  if (isRoot()) {
    const quoted = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' })
  } else {
    execFileSync(bin, args, { stdio: 'pipe' })
  }
}

export async function startPostgresProcess(): Promise<PostgresProcess> {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'doc-attach-pg-'))
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const pgCtl = join(bin, 'pg_ctl')
  const start = async () => run(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'])
  const stop = async () => run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'])
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
