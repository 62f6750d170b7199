/**
 * startServer(env): parse the environment, wire DingTalk (the real one, or the emulator in
 * sandbox mode), the shared store (this process, or Redis for several replicas), build the app
 * and listen. Used by main.ts, e2e tests, the drills and the benchmark.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildAppDeps, type Lifecycle } from './app'
import type { AppConfig } from './config'
import { createDingTalkClient, type DingTalkLogger } from './dingtalk/client'
import { emulatorOptionsFromEnv, startEmulator } from './emulator/index'
import { parseEnv } from './env'
import { instrumentDingTalk } from './metrics/dingtalk'
import { startMetricsListener, type MetricsListener } from './metrics/listener'
import { openFileInsertionJournal } from './services/insertion/insertion-journal'
import { createSandboxControl } from './services/sandbox/sandbox-control'
import { openFileDuplicateIndex } from './store/local-duplicate-index'
import { openFileRevocations } from './store/local-revocations'
import { openStore } from './store/open-store'
import { openEvidenceRegistry } from './store/open-evidence'
import type { EvidenceRegistry } from './store/evidence-registry'

export interface RunningServer {
  /** Where the app listens, e.g. `http://127.0.0.1:3000` (no trailing slash). */
  url: string
  /** The emulator in sandbox mode (started here or given by EMULATOR_URL); null in live mode. */
  emulatorUrl: string | null
  /** `/metrics` when METRICS_PORT is set; null otherwise. */
  metricsUrl: string | null
  app: FastifyInstance
  /**
   * Graceful stop: readiness turns 503 (for `announceMs`, so a load balancer polling it notices),
   * then the listener stops accepting, requests in flight (uploads, insertions) get up to
   * `graceMs` to finish, and everything closes.
   */
  drain(graceMs: number, opts?: { announceMs?: number }): Promise<void>
  /** Stops the server, then the emulator if this call started it. */
  close(): Promise<void>
}

export interface StartServerOptions {
  /** Overrides the pino destination/level (tests capture or silence logs). */
  logger?: BuildAppDeps['logger']
  /** Overrides where the built H5 is served from (null: do not serve it). */
  staticRoot?: string | null
  /** Overrides the header and body-idle timeouts (tests). */
  timeouts?: BuildAppDeps['timeouts']
}

/**
 * Starts Doc Attach from environment variables (docs/architecture.md). In sandbox mode it uses the
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

  // The app's logger exists only once the app is built; earlier messages go nowhere.
  let app: FastifyInstance | null = null
  const log = {
    debug: (obj: object, msg: string) => app?.log.debug(obj, msg),
    info: (obj: object, msg: string) => app?.log.info(obj, msg),
    warn: (obj: object, msg: string) => app?.log.warn(obj, msg),
  }
  let metrics: MetricsListener | null = null
  let evidenceRegistry: EvidenceRegistry | null = null
  // Insertion attempts survive a restart in DATA_DIR; with Redis, every replica shares them there.
  const localJournal = await openFileInsertionJournal(parsed.dataDir, { logger: log })
  // Sign-outs outlive a restart too (with Redis they live there, imported from here once).
  const localRevocations = parsed.redisUrl ? undefined : await openFileRevocations(parsed.dataDir, { logger: log })
  const shared = openStore({
    redisUrl: parsed.redisUrl,
    localJournal,
    localRevocations,
    dataDir: parsed.dataDir,
    duplicateWindowMs: parsed.config.uploads.duplicateWindowMs,
    logger: log,
  })

  try {
    // What went into each document: in Redis with replicas, otherwise beside the journal in DATA_DIR.
    const duplicateIndex =
      shared.duplicateIndex ??
      (await openFileDuplicateIndex(parsed.dataDir, { windowMs: parsed.config.uploads.duplicateWindowMs, logger: log }))
    const dingtalkLog: DingTalkLogger = { debug: log.debug, warn: log.warn }
    const base = emulatorUrl ? { ...parsed.dingtalk, apiBase: emulatorUrl, oapiBase: emulatorUrl } : parsed.dingtalk
    const dingtalk = instrumentDingTalk(
      createDingTalkClient({ ...base, logger: dingtalkLog, ...shared.dingtalkOptions(parsed.dingtalk.appKey) }),
    )
    const config: AppConfig = emulatorUrl
      ? { ...parsed.config, documentUrl: (docId) => `${emulatorUrl}/__emulator/documents/${encodeURIComponent(docId)}` }
      : parsed.config
    const lifecycle: Lifecycle = { draining: false }
    evidenceRegistry = await openEvidenceRegistry({ config, databaseUrl: parsed.databaseUrl, dataDir: parsed.dataDir, logger: log })

    app = await buildApp({
      config,
      dingtalk,
      sandbox: emulatorUrl ? createSandboxControl(emulatorUrl) : undefined,
      logger: opts.logger ?? { level: parsed.logLevel },
      trustProxy: parsed.trustProxy,
      insertionJournal: shared.journal,
      store: shared.store,
      duplicateIndex,
      resumable: shared.resumable,
      evidenceRegistry,
      lifecycle,
      ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
      ...(opts.staticRoot !== undefined ? { staticRoot: opts.staticRoot } : {}),
    })
    await app.listen({ port: parsed.port, host: parsed.host })
    if (parsed.metrics) metrics = await startMetricsListener(parsed.metrics)
    const running = app
    const closeAll = async () => {
      await running.close()
      await metrics?.close()
      await shared.close()
      await evidenceRegistry?.close()
      await emulator?.close()
    }
    return {
      url: listenUrl(running, parsed.host),
      emulatorUrl,
      metricsUrl: metrics?.url ?? null,
      app: running,
      async drain(graceMs, drainOpts = {}) {
        lifecycle.draining = true
        if (drainOpts.announceMs) await new Promise((resolve) => setTimeout(resolve, drainOpts.announceMs))
        // Stop accepting connections; requests in flight (on open connections too) keep going.
        running.server.close()
        running.server.closeIdleConnections()
        const deadline = Date.now() + graceMs
        while ((lifecycle.inFlight ?? 0) > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        // Whatever is still running after the grace period is cut off.
        running.server.closeAllConnections()
        await closeAll()
      },
      close: closeAll,
    }
  } catch (error) {
    await metrics?.close()
    await shared.close()
    await evidenceRegistry?.close()
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
