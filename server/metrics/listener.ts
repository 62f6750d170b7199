/**
 * The metrics listener (METRICS_PORT / METRICS_HOST): `/metrics` in Prometheus text format on its
 * own port, never on the public one, so only your monitoring can read it.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { registry } from './registry'

export interface MetricsListener {
  url: string
  close(): Promise<void>
}

/** Starts the listener; resolves once it listens. */
export async function startMetricsListener(opts: { port: number; host: string }): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found; try /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  return {
    url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
