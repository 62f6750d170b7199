/**
 * A shaped TCP link between a client and the server for Node-side phases: uplink limited to
 * `uplinkBitsPerSec`, `rttMs / 2` added each way, every byte the client sends counted, and
 * `cutAt(bytes)` to drop every open connection the moment the uplink has carried that many bytes
 * (a phone losing its network mid-upload). The browser phase shapes Chromium with CDP instead.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'

export interface ShapedLink {
  /** `http://127.0.0.1:<port>`: the server behind the link. */
  url: string
  /** Bytes the client has sent over the link (headers and bodies, every attempt). */
  readonly uplinkBytes: number
  /** Drops every connection when the bytes delivered to the server reach each of these counts. */
  cutAt(thresholds: number[]): void
  /** How many times connections were cut. */
  readonly cuts: number
  close(): Promise<void>
}

export async function startShapedLink(target: string, opts: { uplinkBitsPerSec: number; rttMs: number }): Promise<ShapedLink> {
  const { hostname, port } = new URL(target)
  const oneWayMs = opts.rttMs / 2
  const bytesPerMs = opts.uplinkBitsPerSec / 8 / 1000
  const pairs = new Set<{ client: Socket; server: Socket }>()
  let uplinkBytes = 0
  let deliveredBytes = 0
  let cuts = 0
  let thresholds: number[] = []
  /** The uplink is one pipe shared by every connection: when it is free again. */
  let uplinkFreeAt = 0

  const cutAll = () => {
    cuts++
    for (const pair of pairs) {
      pair.client.destroy()
      pair.server.destroy()
    }
    pairs.clear()
  }

  const proxy = createServer((client) => {
    const server = connect(Number(port), hostname)
    const pair = { client, server }
    pairs.add(pair)
    let inFlight = 0
    client.on('data', (chunk: Buffer) => {
      // Counted when the client puts it on the link: bytes lost in a cut were still sent.
      uplinkBytes += chunk.length
      // Serialised onto the shared uplink, then delivered one-way latency later.
      const now = performance.now()
      const start = Math.max(now, uplinkFreeAt)
      uplinkFreeAt = start + chunk.length / bytesPerMs
      const deliverIn = uplinkFreeAt - now + oneWayMs
      inFlight++
      if (inFlight > 4) client.pause()
      setTimeout(() => {
        inFlight--
        if (inFlight <= 4 && !client.destroyed) client.resume()
        if (!pairs.has(pair)) return
        deliveredBytes += chunk.length
        server.write(chunk)
        const next = thresholds[0]
        if (next !== undefined && deliveredBytes >= next) {
          thresholds = thresholds.slice(1)
          cutAll()
        }
      }, deliverIn)
    })
    server.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (pairs.has(pair)) client.write(chunk)
      }, oneWayMs)
    })
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      server.destroy()
    }
    client.on('close', end)
    server.on('close', end)
    client.on('error', end)
    server.on('error', end)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${address.port}`,
    get uplinkBytes() {
      return uplinkBytes
    },
    get cuts() {
      return cuts
    },
    cutAt(bytes) {
      thresholds = [...bytes].sort((a, b) => a - b)
    },
    async close() {
      cutAll()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    },
  }
}
