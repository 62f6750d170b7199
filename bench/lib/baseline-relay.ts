/**
 * The baseline for `stream.baselineCpuSecondsPerGiB`: the least a Node relay can do for one upload —
 * take the request body and PUT it, streaming with back-pressure (`pipe`), to the upload URL given in
 * `x-upload-url`, with the same Content-Type and Content-Length, and answer once storage answered.
 * Nothing else: no session or CSRF check, no sniffing, no SHA-256, no byte counting, no idle timer,
 * no metrics, no logging. Node's `http` on both sides. With `x-relay-sha256: 1` it also hashes the
 * body (SHA-256, as the server must), so the benchmark can tell that cost from the rest. Prints its port.
 */
import { createHash } from 'node:crypto'
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true })

const server = http.createServer((req, res) => {
  const target = req.headers['x-upload-url']
  if (typeof target !== 'string') {
    res.writeHead(400).end()
    return
  }
  const put = http.request(
    target,
    {
      method: 'PUT',
      agent,
      headers: { 'content-type': req.headers['content-type'] ?? '', 'content-length': req.headers['content-length'] ?? '0' },
    },
    (answer) => {
      answer.resume()
      answer.on('end', () => res.writeHead(answer.statusCode === 200 ? 201 : 502).end())
    },
  )
  put.on('error', () => res.writeHead(502).end())
  if (req.headers['x-relay-sha256'] === '1') {
    const hash = createHash('sha256')
    req.on('data', (chunk: Buffer) => hash.update(chunk))
    req.on('end', () => hash.digest('hex'))
  }
  req.pipe(put)
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
})
process.on('disconnect', () => process.exit(0))
// A clean exit on SIGTERM, so a profile (`--cpu-prof`) of the relay is written.
process.on('SIGTERM', () => process.exit(0))
