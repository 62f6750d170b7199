/**
 * The baseline for `stream.baselineCpuSecondsPerGiB`: the least a Node relay can do for one upload —
 * take the request body and PUT it, streaming, to the upload URL given in `x-upload-url`, with the
 * same Content-Type and Content-Length. No sniffing, no session, no limits. Prints its port.
 */
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
  req.pipe(put)
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`)
})
process.on('disconnect', () => process.exit(0))
