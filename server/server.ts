/**
 * startServer(env): parse the environment, wire DingTalk (the real one, or the emulator in
 * sandbox mode), build the app and listen. Used by main.ts, e2e tests and the benchmark.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildAppDeps } from './app'
import type { AppConfig } from './config'
import { createDingTalkClient, type DingTalkLogger } from './dingtalk/client'
import { emulatorOptionsFromEnv, startEmulator } from './emulator/index'
import { parseEnv } from './env'
import { openFileInsertionJournal } from './services/insertion/insertion-journal'
import { createSandboxControl } from './services/sandbox/sandbox-control'

export interface RunningServer {
  /** Where the app listens, e.g. `http://127.0.0.1:3000` (no trailing slash). */
  url: string
  /** The emulator in sandbox mode (started here or given by EMULATOR_URL); null in live mode. */
  emulatorUrl: string | null
  app: FastifyInstance
  /** Stops the server, then the emulator if this call started it. */
  close(): Promise<void>
}

export interface StartServerOptions {
  /** Overrides the pino destination/level (tests capture or silence logs). */
  logger?: BuildAppDeps['logger']
  /** Overrides where the built H5 is served from (null: do not serve it). */
  staticRoot?: string | null
}

/**
 * Starts Doc Attach from environment variables (TEAM.md "Server"). In sandbox mode it uses the
 * emulator at EMULATOR_URL, or starts one in-process on EMULATOR_PORT (0 = any free port).
 * @throws EnvError when the environment is invalid (nothing is started then).
 */
export async function startServer(env: Record<string, string | undefined>, opts: StartServerOptions = {}): Promise<RunningServer> {
  const parsed = parseEnv(env)
  let emulator: { url: string; close(): Promise<void> } | null = null
  let emulatorUrl: string | null = null
  if (parsed.emulator) {
    if (parsed.emulator.url) {
      emulatorUrl = parsed.emulator.url
    } else {
      // EMULATOR_PROFILE / EMULATOR_OAPI_TOKEN choose how the emulator answers (server/emulator/README.md).
      emulator = await startEmulator({ ...emulatorOptionsFromEnv(env), port: parsed.emulator.port, host: '127.0.0.1' })
      emulatorUrl = emulator.url
    }
  }

  try {
    // The client logs through the app's logger, which exists only once the app is built.
    let app: FastifyInstance | null = null
    const dingtalkLog: DingTalkLogger = {
      debug: (obj, msg) => app?.log.debug(obj, msg),
      warn: (obj, msg) => app?.log.warn(obj, msg),
    }
    const dingtalk = createDingTalkClient(
      emulatorUrl
        ? { ...parsed.dingtalk, apiBase: emulatorUrl, oapiBase: emulatorUrl, logger: dingtalkLog }
        : { ...parsed.dingtalk, logger: dingtalkLog },
    )
    // Insertion attempts survive a restart here, so a retried batch finishes exactly once (DATA_DIR).
    const insertionJournal = await openFileInsertionJournal(parsed.dataDir, {
      logger: { warn: (obj, msg) => app?.log.warn(obj, msg) },
    })
    const config: AppConfig = emulatorUrl
      ? { ...parsed.config, documentUrl: (docId) => `${emulatorUrl}/__emulator/documents/${encodeURIComponent(docId)}` }
      : parsed.config

    app = await buildApp({
      config,
      dingtalk,
      sandbox: emulatorUrl ? createSandboxControl(emulatorUrl) : undefined,
      logger: opts.logger ?? { level: parsed.logLevel },
      trustProxy: parsed.trustProxy,
      insertionJournal,
      ...(opts.staticRoot !== undefined ? { staticRoot: opts.staticRoot } : {}),
    })
    await app.listen({ port: parsed.port, host: parsed.host })
    const running = app
    return {
      url: listenUrl(running, parsed.host),
      emulatorUrl,
      app: running,
      async close() {
        await running.close()
        await emulator?.close()
      },
    }
  } catch (error) {
    await emulator?.close()
    throw error
  }
}

function listenUrl(app: FastifyInstance, host: string): string {
  const { port } = app.server.address() as AddressInfo
  // A wildcard bind is reachable on loopback; that is the address to print and to test against.
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${shown}:${port}`
}
