import { readFileSync } from 'node:fs'
import { parseEnv as parseDotenv } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ENV_VARS, EnvError, parseEnv } from './env'

const LIVE = {
  DINGTALK_APP_KEY: 'dingappkey',
  DINGTALK_APP_SECRET: 'dingappsecret',
  DINGTALK_CORP_ID: 'dingcorp',
  SESSION_SECRET: 'x'.repeat(32),
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env)
  } catch (error) {
    if (error instanceof EnvError) return error.problems
    throw error
  }
  throw new Error('expected parseEnv to fail')
}

describe('parseEnv', () => {
  it('runs in sandbox mode with defaults when nothing is set', () => {
    const env = parseEnv({})
    expect(env.config.mode).toBe('sandbox')
    expect(env.config.corpId).toBe('ding-emulator-corp')
    expect(env.port).toBe(3000)
    expect(env.host).toBe('127.0.0.1')
    expect(env.emulator).toEqual({ url: null, port: 3001 })
    expect(env.dingtalk).toMatchObject({ appKey: 'ding-emulator-app', appSecret: 'emulator-secret' })
    expect(env.config.limits).toEqual({
      maxImageBytes: 20 * 1024 * 1024,
      maxFileBytes: 100 * 1024 * 1024,
      maxFilesPerBatch: 50,
      loginsPerMinutePerAddress: 60,
      uploadsPerMinutePerUser: 120,
      concurrentUploadsPerUser: 6,
      insertionsPerMinutePerUser: 60,
    })
    expect(env.redisUrl).toBeNull()
    expect(env.metrics).toBeNull()
    expect(env.logLevel).toBe('info')
    expect(env.trustProxy).toBe(false)
    // A per-process session secret, different on every start.
    expect(env.config.sessionSecret.length).toBeGreaterThanOrEqual(32)
    expect(parseEnv({}).config.sessionSecret).not.toBe(env.config.sessionSecret)
  })

  it('treats empty credentials as unset', () => {
    expect(parseEnv({ DINGTALK_APP_KEY: '', DINGTALK_APP_SECRET: ' ', DINGTALK_CORP_ID: '' }).config.mode).toBe('sandbox')
  })

  it('runs in live mode with all three credentials and a session secret', () => {
    const env = parseEnv(LIVE)
    expect(env.config.mode).toBe('live')
    expect(env.config.corpId).toBe('dingcorp')
    expect(env.host).toBe('0.0.0.0')
    expect(env.emulator).toBeNull()
    expect(env.dingtalk).toEqual({
      apiBase: 'https://api.dingtalk.com',
      oapiBase: 'https://oapi.dingtalk.com',
      appKey: 'dingappkey',
      appSecret: 'dingappsecret',
    })
    expect(env.config.sessionSecret).toBe(LIVE.SESSION_SECRET)
    expect(env.config.documentUrl('abc123')).toBe('https://alidocs.dingtalk.com/i/nodes/abc123')
  })

  it('links documents on alidocs.dingtalk.io when the API is the .io deployment', () => {
    const env = parseEnv({ ...LIVE, DINGTALK_API_BASE: 'https://api.dingtalk.io/', DINGTALK_OAPI_BASE: 'https://oapi.dingtalk.io' })
    expect(env.dingtalk.apiBase).toBe('https://api.dingtalk.io')
    expect(env.config.documentUrl('abc')).toBe('https://alidocs.dingtalk.io/i/nodes/abc')
  })

  it('names the missing credentials when only some are set', () => {
    const problems = problemsOf({ DINGTALK_APP_KEY: 'k' })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/DINGTALK_APP_SECRET, DINGTALK_CORP_ID: missing/)
  })

  it('requires a long enough SESSION_SECRET in live mode', () => {
    expect(problemsOf({ ...LIVE, SESSION_SECRET: '' })[0]).toMatch(/SESSION_SECRET: required in live mode/)
    expect(problemsOf({ ...LIVE, SESSION_SECRET: 'short' })[0]).toMatch(/SESSION_SECRET: must be at least 32 characters/)
  })

  it('lists every problem at once', () => {
    const problems = problemsOf({ PORT: 'abc', MAX_FILE_BYTES: '-1', LOG_LEVEL: 'loud', EMULATOR_URL: 'not a url', DINGTALK_CORP_ID: 'c' })
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['PORT', 'MAX_FILE_BYTES', 'LOG_LEVEL', 'EMULATOR_URL', 'DINGTALK_APP_KEY, DINGTALK_APP_SECRET']),
    )
    expect(problems).toHaveLength(5)
    expect(() => parseEnv({ PORT: 'abc' })).toThrow(/Invalid configuration:\n {2}- PORT/)
  })

  it('parses ports, limits, origins and proxy trust', () => {
    const env = parseEnv({
      PORT: '0',
      HOST: '0.0.0.0',
      EMULATOR_PORT: '0',
      EMULATOR_URL: 'http://127.0.0.1:4001/',
      PUBLIC_ORIGIN: 'https://attach.example.com/',
      MAX_IMAGE_BYTES: '1000',
      MAX_FILES_PER_BATCH: '5',
      LOGIN_RATE_PER_MINUTE: '10',
      UPLOAD_RATE_PER_MINUTE: '20',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
    })
    expect(env.port).toBe(0)
    expect(env.host).toBe('0.0.0.0')
    expect(env.emulator).toEqual({ url: 'http://127.0.0.1:4001', port: 0 })
    expect(env.config.publicOrigin).toBe('https://attach.example.com')
    expect(env.config.limits).toMatchObject({
      maxImageBytes: 1000,
      maxFilesPerBatch: 5,
      loginsPerMinutePerAddress: 10,
      uploadsPerMinutePerUser: 20,
    })
    expect(env.trustProxy).toBe(1)
    expect(env.logLevel).toBe('warn')
    expect(parseEnv({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' }).trustProxy).toEqual(['10.0.0.1', '10.1.0.0/16'])
    expect(problemsOf({ TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY: never "true"/)
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT/)
    expect(problemsOf({ TRUST_PROXY: 'yes' })[0]).toMatch(/^TRUST_PROXY/)
    expect(problemsOf({ EMULATOR_PROFILE: 'generous', EMULATOR_OAPI_TOKEN: 'v2' })).toEqual([
      'EMULATOR_PROFILE: must be one of rich, documented, minimal',
      'EMULATOR_OAPI_TOKEN: must be one of any, legacy',
    ])
  })
})

describe('replicas and hardening settings', () => {
  it('reads the shared store, metrics listener and per-person limits', () => {
    const env = parseEnv({
      REDIS_URL: 'redis://127.0.0.1:6390',
      METRICS_PORT: '9464',
      MAX_CONCURRENT_UPLOADS_PER_PERSON: '4',
      INSERT_RATE_PER_MINUTE: '30',
    })
    expect(env.redisUrl).toBe('redis://127.0.0.1:6390')
    expect(env.metrics).toEqual({ port: 9464, host: '127.0.0.1' })
    expect(env.config.limits).toMatchObject({ concurrentUploadsPerUser: 4, insertionsPerMinutePerUser: 30 })
  })

  it('refuses a concurrency cap below the H5 own three parallel uploads, and a non-Redis URL', () => {
    expect(problemsOf({ MAX_CONCURRENT_UPLOADS_PER_PERSON: '2' })[0]).toMatch(/^MAX_CONCURRENT_UPLOADS_PER_PERSON/)
    expect(problemsOf({ REDIS_URL: 'http://127.0.0.1:6379' })[0]).toMatch(/^REDIS_URL/)
  })
})

describe('.env.example', () => {
  const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')

  it('documents every variable, each with a comment above it', () => {
    const lines = text.split('\n')
    for (const name of ENV_VARS) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`))
      expect(at, name).toBeGreaterThan(0)
      expect(lines[at - 1], name).toMatch(/^#/)
    }
  })

  it('copied as is, starts a sandbox with the documented defaults', () => {
    const env = parseEnv(parseDotenv(text))
    expect(env.config.mode).toBe('sandbox')
    expect(env.port).toBe(3000)
    expect(env.config.limits.maxFileBytes).toBe(100 * 1024 * 1024)
  })
})
