/**
 * The WebKit browser's network, under the test's control. WebDriver has no "offline" switch (playwright's
 * `context.setOffline` is Chromium-only here), so WebKit reaches the app through this loopback TCP proxy:
 * `cut()` drops every open connection and refuses new ones, as a phone losing its signal in a basement
 * (the device may still believe it is online: no `offline` event fires), and `restore()` lets traffic
 * through again. Each test gets its own proxy, hence its own origin and its own browser storage.
 */
import { createConnection, createServer, type Socket } from 'node:net'

export interface NetworkSwitch {
  /** The app's URL as the browser sees it (through the proxy). */
  readonly url: string
  /** Open connections the last `cut()` reset: something was really on the wire. */
  readonly cutOff: number
  /** New connections refused since the last `cut()`: the browser really tried the dead network. */
  readonly refused: number
  cut(): void
  restore(): void
  close(): Promise<void>
}

/** A TCP proxy on a free loopback port forwarding to `target` (an http://127.0.0.1:port URL). */
export async function startNetworkSwitch(target: string): Promise<NetworkSwitch> {
  const { hostname, port } = new URL(target)
  const clients = new Set<Socket>()
  let offline = false
  let cutOff = 0
  let refused = 0

  const server = createServer((client) => {
    if (offline) {
      refused++
      client.resetAndDestroy()
      return
    }
    const upstream = createConnection({ host: hostname, port: Number(port) })
    clients.add(client)
    // Either side ending or failing ends both: the browser sees a broken connection, as on a real network.
    const end = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.once('close', () => {
      clients.delete(client)
      upstream.destroy()
    })
    upstream.once('close', () => client.destroy())
    client.on('error', end)
    upstream.on('error', end)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the network switch has no port')

  return {
    url: `http://127.0.0.1:${address.port}`,
    get cutOff() {
      return cutOff
    },
    get refused() {
      return refused
    },
    cut() {
      offline = true
      cutOff = clients.size
      refused = 0
      for (const client of clients) client.resetAndDestroy()
    },
    restore() {
      offline = false
    },
    async close() {
      for (const client of clients) client.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
