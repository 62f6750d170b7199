import { describe, expect, it } from 'vitest'
import { formatTable, parseSmokeArgs } from './smoke-live'

const ENV = {
  DINGTALK_APP_KEY: 'key',
  DINGTALK_APP_SECRET: 'super-secret-value',
  DINGTALK_CORP_ID: 'ding123',
  SMOKE_DOC_ID: 'abcDEF123',
  SMOKE_UNION_ID: 'union-1',
}

describe('smoke:live arguments', () => {
  it('shows help for --help, whatever the environment', () => {
    expect(parseSmokeArgs(['--help'], {})).toEqual({ help: true })
  })

  it('lists every missing variable at once', () => {
    const out = parseSmokeArgs([], {})
    expect('errors' in out && out.errors).toEqual([
      'DINGTALK_APP_KEY is not set',
      'DINGTALK_APP_SECRET is not set',
      'DINGTALK_CORP_ID is not set',
      'SMOKE_DOC_ID is not set',
      'SMOKE_UNION_ID is not set',
    ])
  })

  it('refuses malformed ids, URLs and unknown arguments without echoing secrets', () => {
    const out = parseSmokeArgs(['--fast'], { ...ENV, SMOKE_DOC_ID: 'https://alidocs/x', DINGTALK_API_BASE: 'ftp://x' })
    expect('errors' in out).toBe(true)
    const text = 'errors' in out ? out.errors.join('\n') : ''
    expect(text).toContain('SMOKE_DOC_ID')
    expect(text).toContain('DINGTALK_API_BASE')
    expect(text).toContain('--fast')
    expect(text).not.toContain('super-secret-value')
  })

  it('accepts a complete environment with default hosts', () => {
    const out = parseSmokeArgs([], ENV)
    expect('config' in out && out.config).toMatchObject({
      docId: 'abcDEF123',
      unionId: 'union-1',
      apiBase: 'https://api.dingtalk.com',
      oapiBase: 'https://oapi.dingtalk.com',
    })
  })

  it('formats findings as a table', () => {
    const table = formatTable([{ check: 'a', result: 'ok' }])
    expect(table.split('\n')[2]).toBe('a      | ok')
  })
})
