/**
 * The environment, parsed once at start (docs/operations.md#configuration). Every problem is collected and reported
 * together so a misconfigured deployment fails on its first start with the full list.
 */
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import type { AppConfig } from './config'
import { OAPI_TOKEN_MODES, parseAllowedHosts, PROFILES } from './emulator/profiles'
import { parseTrustProxy, trustProxyProblem, type TrustProxy } from './trust-proxy'

/** Credentials of the built-in emulator's app (server/emulator/README.md). */
export const EMULATOR_CREDENTIALS = {
  appKey: 'ding-emulator-app',
  appSecret: 'emulator-secret',
  corpId: 'ding-emulator-corp',
  agentId: '1000000001',
} as const

const MiB = 1024 * 1024
const GiB = 1024 * MiB
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Empty strings count as unset: `.env` files and CI often export `VAR=`. */
const optionalString = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().optional())

const intInRange = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? fallback : Number(v)),
    z.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max),
  )

const positiveInt = (fallback: number) => intInRange(1, Number.MAX_SAFE_INTEGER, fallback)

const httpUrl = (what: string) =>
  optionalString.pipe(
    z
      .string()
      .refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), `must be an http(s) URL (${what})`)
      .transform((s) => s.replace(/\/+$/, ''))
      .optional(),
  )

const EnvSchema = z.object({
  DINGTALK_APP_KEY: optionalString,
  DINGTALK_APP_SECRET: optionalString,
  DINGTALK_CORP_ID: optionalString,
  SESSION_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  PORT: intInRange(0, 65535, 3000),
  HOST: optionalString,
  EMULATOR_PORT: intInRange(0, 65535, 3001),
  EMULATOR_URL: httpUrl('a running emulator, e.g. http://127.0.0.1:3001'),
  // Read by the in-process emulator (server.ts, emulatorOptionsFromEnv); checked here so a typo is
  // reported with every other problem. server/emulator/README.md "Answer profiles".
  EMULATOR_PROFILE: optionalString.pipe(z.enum(PROFILES, { error: `must be one of ${PROFILES.join(', ')}` }).optional()),
  EMULATOR_OAPI_TOKEN: optionalString.pipe(z.enum(OAPI_TOKEN_MODES, { error: `must be one of ${OAPI_TOKEN_MODES.join(', ')}` }).optional()),
  EMULATOR_ALLOWED_HOSTS: optionalString.pipe(
    z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseAllowedHosts(value)
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a comma list of host names or addresses (optionally with :port)' })
        }
      })
      .optional(),
  ),
  DINGTALK_API_BASE: httpUrl('e.g. https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: httpUrl('e.g. https://oapi.dingtalk.com'),
  PUBLIC_ORIGIN: httpUrl('the origin people open, e.g. https://attach.example.com'),
  TRUST_PROXY: optionalString.pipe(
    z
      .string()
      .superRefine((value, ctx) => {
        const problem = trustProxyProblem(value)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      })
      .optional(),
  ),
  MAX_IMAGE_BYTES: positiveInt(20 * MiB),
  MAX_FILE_BYTES: positiveInt(100 * MiB),
  MAX_FILES_PER_BATCH: intInRange(1, 200, 50),
  LOGIN_RATE_PER_MINUTE: positiveInt(60),
  UPLOAD_RATE_PER_MINUTE: positiveInt(120),
  // Never below the H5's own 3 parallel uploads, or a well-behaved phone would be refused.
  MAX_CONCURRENT_UPLOADS_PER_PERSON: intInRange(3, 1000, 6),
  INSERT_RATE_PER_MINUTE: positiveInt(60),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .refine((s) => /^rediss?:\/\//i.test(s) && URL.canParse(s), 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
      .optional(),
  ),
  METRICS_PORT: optionalString.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, 'must be a port number')
      .transform(Number)
      .refine((n) => n <= 65535, 'must be a port number')
      .optional(),
  ),
  METRICS_HOST: optionalString,
  LOG_LEVEL: optionalString.pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional()),
  DATA_DIR: optionalString,
  UPLOAD_STAGING_DIR: optionalString,
  UPLOAD_EXPIRY_SECONDS: intInRange(1, 30 * 24 * 60 * 60, 24 * 60 * 60),
  DUPLICATE_WINDOW_DAYS: intInRange(0, 3650, 30),
  // Evidence (docs/evidence.md): the registry in PostgreSQL with DATABASE_URL, else a file in DATA_DIR.
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .refine(
        (s) => /^postgres(ql)?:\/\//i.test(s) && URL.canParse(s),
        'must be a postgres:// URL, e.g. postgres://user:pass@127.0.0.1:5432/docattach',
      )
      .optional(),
  ),
  EVIDENCE_DEFAULT: optionalString.pipe(z.enum(['off', 'on'], { error: 'must be off or on' }).optional()),
  EVIDENCE_RETENTION_DAYS: intInRange(1, 36500, 3650),
  EVIDENCE_LOOKUPS_PER_MINUTE: positiveInt(30),
  // The app's AgentId (live mode), for dd.config (docs/dingtalk.md#jsapi-signature).
  DINGTALK_AGENT_ID: optionalString.pipe(z.string().max(64).optional()),
  // What one person may keep staged in unfinished resumable uploads, all replicas together.
  MAX_STAGED_BYTES_PER_PERSON: positiveInt(2 * GiB),
  // Below this much free space in UPLOAD_STAGING_DIR, new resumable uploads answer 503.
  MIN_STAGING_FREE_BYTES: intInRange(0, Number.MAX_SAFE_INTEGER, GiB),
})

/** Every variable the app reads (documented one by one in .env.example). */
export const ENV_VARS: readonly string[] = Object.keys(EnvSchema.shape)

export type LogLevel = (typeof LOG_LEVELS)[number]

/** The parsed environment: the app's config plus what only the process wiring needs. */
export interface Env {
  config: AppConfig
  port: number
  host: string
  /** Reverse-proxy trust for `X-Forwarded-*` (Fastify `trustProxy`): off, a hop count, or proxy addresses. */
  trustProxy: TrustProxy
  /** Shared store for several replicas; null = this process's memory and DATA_DIR. */
  redisUrl: string | null
  /** Where `/metrics` listens; null = nowhere. */
  metrics: { port: number; host: string } | null
  logLevel: LogLevel
  dingtalk: { apiBase: string; oapiBase: string; appKey: string; appSecret: string }
  /** Sandbox only: where to find or start the emulator. */
  emulator: { url: string | null; port: number } | null
  /** Absolute directory for the server's own durable state (the insertion journal); default `.data`. */
  dataDir: string
  /** PostgreSQL for the evidence registry (DATABASE_URL); null = a file in DATA_DIR. */
  databaseUrl: string | null
}

/** Thrown when the environment is unusable; `problems` lists every issue, one per line. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'EnvError'
  }
}

const CREDENTIAL_VARS = ['DINGTALK_APP_KEY', 'DINGTALK_APP_SECRET', 'DINGTALK_CORP_ID'] as const

/**
 * Parses `env` (normally `process.env`). Sandbox mode when the three DingTalk credentials are all
 * unset; live mode when all are set; anything in between is an error naming what is missing.
 * @throws EnvError listing every problem found.
 */
export function parseEnv(env: Record<string, string | undefined>): Env {
  const problems: string[] = []
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`)
  }

  const present = CREDENTIAL_VARS.filter((name) => (env[name] ?? '').trim() !== '')
  const live = present.length === CREDENTIAL_VARS.length
  if (present.length > 0 && !live) {
    const missing = CREDENTIAL_VARS.filter((name) => !present.includes(name))
    problems.push(
      `${missing.join(', ')}: missing — set all of ${CREDENTIAL_VARS.join(', ')} for live mode, or none of them for sandbox mode`,
    )
  }
  if (live && (env.SESSION_SECRET ?? '').trim() === '') {
    problems.push('SESSION_SECRET: required in live mode (32+ random characters, e.g. `openssl rand -base64 48`)')
  }
  if (problems.length > 0 || !parsed.success) throw new EnvError(problems)

  const e = parsed.data
  const mode = live ? 'live' : 'sandbox'
  const apiBase = e.DINGTALK_API_BASE ?? 'https://api.dingtalk.com'
  const oapiBase = e.DINGTALK_OAPI_BASE ?? 'https://oapi.dingtalk.com'
  // Documents live on alidocs of the same deployment as the API (`.com` or `.io`, docs/dingtalk.md#hosts).
  const alidocsOrigin = new URL(apiBase).hostname.endsWith('.io') ? 'https://alidocs.dingtalk.io' : 'https://alidocs.dingtalk.com'

  const dataDir = resolve(e.DATA_DIR ?? '.data')
  const config: AppConfig = {
    mode,
    corpId: live ? (e.DINGTALK_CORP_ID ?? '') : EMULATOR_CREDENTIALS.corpId,
    clientId: live ? (e.DINGTALK_APP_KEY ?? '') : EMULATOR_CREDENTIALS.appKey,
    // Sandbox without a secret: a fresh one per process (sessions end with the process, which is fine for a demo).
    sessionSecret: e.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    publicOrigin: e.PUBLIC_ORIGIN ? new URL(e.PUBLIC_ORIGIN).origin : null,
    limits: {
      maxImageBytes: e.MAX_IMAGE_BYTES,
      maxFileBytes: e.MAX_FILE_BYTES,
      maxFilesPerBatch: e.MAX_FILES_PER_BATCH,
      loginsPerMinutePerAddress: e.LOGIN_RATE_PER_MINUTE,
      uploadsPerMinutePerUser: e.UPLOAD_RATE_PER_MINUTE,
      concurrentUploadsPerUser: e.MAX_CONCURRENT_UPLOADS_PER_PERSON,
      insertionsPerMinutePerUser: e.INSERT_RATE_PER_MINUTE,
    },
    uploads: {
      stagingDir: e.UPLOAD_STAGING_DIR ? resolve(e.UPLOAD_STAGING_DIR) : join(dataDir, 'uploads'),
      expiryMs: e.UPLOAD_EXPIRY_SECONDS * 1000,
      duplicateWindowMs: e.DUPLICATE_WINDOW_DAYS * 24 * 60 * 60 * 1000,
      maxStagedBytesPerPerson: e.MAX_STAGED_BYTES_PER_PERSON,
      minStagingFreeBytes: e.MIN_STAGING_FREE_BYTES,
    },
    evidence: evidenceConfig(e),
    // Sandbox uses the emulator's agent id (server/emulator/README.md).
    agentId: live ? (e.DINGTALK_AGENT_ID ?? '') : EMULATOR_CREDENTIALS.agentId,
    // Replaced by server.ts in sandbox mode, where documents are viewed on the emulator.
    documentUrl: (docId) => `${alidocsOrigin}/i/nodes/${encodeURIComponent(docId)}`,
  }

  return {
    config,
    port: e.PORT,
    host: e.HOST ?? (live ? '0.0.0.0' : '127.0.0.1'),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    redisUrl: e.REDIS_URL ?? null,
    metrics: e.METRICS_PORT === undefined ? null : { port: e.METRICS_PORT, host: e.METRICS_HOST ?? '127.0.0.1' },
    logLevel: e.LOG_LEVEL ?? 'info',
    dingtalk: live
      ? { apiBase, oapiBase, appKey: e.DINGTALK_APP_KEY ?? '', appSecret: e.DINGTALK_APP_SECRET ?? '' }
      : { apiBase, oapiBase, appKey: EMULATOR_CREDENTIALS.appKey, appSecret: EMULATOR_CREDENTIALS.appSecret },
    emulator: live ? null : { url: e.EMULATOR_URL ?? null, port: e.EMULATOR_PORT },
    dataDir,
    databaseUrl: e.DATABASE_URL ?? null,
  }
}

/** Evidence is available with PostgreSQL, or with the file registry when this is the only replica. */
function evidenceConfig(e: z.infer<typeof EnvSchema>): AppConfig['evidence'] {
  const unavailableReason =
    e.REDIS_URL && !e.DATABASE_URL
      ? 'evidence is unavailable: with REDIS_URL (several replicas) the registry needs DATABASE_URL (PostgreSQL)'
      : null
  return {
    available: unavailableReason === null,
    unavailableReason,
    defaultOn: e.EVIDENCE_DEFAULT === 'on',
    retentionMs: e.EVIDENCE_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    lookupsPerMinute: e.EVIDENCE_LOOKUPS_PER_MINUTE,
    store: e.DATABASE_URL ? 'postgres' : 'file',
  }
}
