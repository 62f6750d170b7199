import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { parseTrustProxy, trustProxyProblem } from './trust-proxy'

describe('TRUST_PROXY values', () => {
  it.each([
    'false',
    '0',
    '1',
    '5',
    '127.0.0.1',
    '10.0.0.0/8',
    '10.0.0.1, 10.1.0.0/16',
    'loopback',
    'loopback,linklocal,uniquelocal',
    '::1',
    '2001:db8::/32',
    'fd00:1234::/48',
    '::ffff:10.0.0.0/104',
    '::ffff:192.0.2.1',
    'fe80::1%eth0',
  ])('accepts %s, which Fastify then takes', async (value) => {
    expect(trustProxyProblem(value)).toBeNull()
    const trust = parseTrustProxy(value)
    // A hop count goes to Fastify as a function, as app.ts passes it.
    const app = Fastify({ trustProxy: typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust })
    await app.close()
  })

  it.each([
    ['true', /never "true"/],
    ['6', /more than 5/],
    ['99', /more than 5/],
    ['0.0.0.0/0', /trusts more than a \/8/],
    ['0.0.0.0/1,128.0.0.0/1', /"0\.0\.0\.0\/1" trusts more than a \/8/],
    ['10.0.0.1,11.0.0.0/7', /"11\.0\.0\.0\/7" trusts more than a \/8/],
    ['::/0', /more than a \/32 for IPv6/],
    ['2000::/3', /more than a \/32 for IPv6/],
    ['::/32', /IPv4-mapped/],
    ['::ffff:0:0/96', /IPv4-mapped/],
    ['::ffff:0.0.0.0/97', /more than a \/8 of IPv4/],
    ['yes', /not false, a hop count/],
    ['10.0.0.1/33', /not false, a hop count/],
    ['10.0.0.0/255.0.0.0', /not false, a hop count/],
    ['10.0.0.1,', /not false, a hop count/],
    ['192.168.1', /not false, a hop count/],
    ['everyone', /not false, a hop count/],
  ])('refuses %s', (value, reason) => {
    expect(trustProxyProblem(value)).toMatch(reason)
  })

  it('parses what it accepts into what Fastify takes', () => {
    expect(parseTrustProxy(undefined)).toBe(false)
    expect(parseTrustProxy('false')).toBe(false)
    expect(parseTrustProxy(' 2 ')).toBe(2)
    expect(parseTrustProxy('10.0.0.1, loopback')).toEqual(['10.0.0.1', 'loopback'])
  })
})
