import { describe, expect, it } from 'vitest'
import { docIdFromNodeUrl } from './node-url'

describe('docIdFromNodeUrl', () => {
  it('takes the dentryUuid from .com and .io node links, with or without a query or fragment', () => {
    expect(docIdFromNodeUrl('https://alidocs.dingtalk.com/i/nodes/m0Xw6OYE4D7VLeaB')).toBe('m0Xw6OYE4D7VLeaB')
    expect(docIdFromNodeUrl('https://alidocs.dingtalk.io/i/nodes/abc123?utm_source=x')).toBe('abc123')
    expect(docIdFromNodeUrl('https://alidocs.dingtalk.com/i/nodes/abc123#section')).toBe('abc123')
  })

  it('gives null for other link shapes, other hosts and plain http', () => {
    expect(docIdFromNodeUrl('https://alidocs.dingtalk.com/i/docs/abc123')).toBeNull()
    expect(docIdFromNodeUrl('https://alidocs.dingtalk.com/i/spaces/s1/docs/d1')).toBeNull()
    expect(docIdFromNodeUrl('https://alidocs.dingtalk.com.evil.example/i/nodes/abc123')).toBeNull()
    expect(docIdFromNodeUrl('http://alidocs.dingtalk.com/i/nodes/abc123')).toBeNull()
    expect(docIdFromNodeUrl('')).toBeNull()
  })
})
