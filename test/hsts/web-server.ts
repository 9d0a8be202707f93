// A bare HTTPS server on a loopback address for the probe's unit tests: it answers GET / with the given
// status and raw header lines, HEAD with 501 (as XAPI does), or accepts connections and never answers.
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { KeyPair } from './certificates'

export interface PageSpec {
  status?: number
  /** Raw `Strict-Transport-Security` values, one header line each. */
  sts?: string[]
}

export interface TestServer {
  address: string
  port: number
  /** TLS connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

export async function startWebServer(address: string, tls: KeyPair, page: PageSpec = {}): Promise<TestServer> {
  const server = createServer(tls, (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(501, 'Method Not Implemented').end()
      return
    }
    const headers: string[] = ['content-type', 'text/html']
    for (const value of page.sts ?? []) {
      headers.push('strict-transport-security', value)
    }
    res.writeHead(page.status ?? 200, headers).end('<html>XO Lite</html>')
  })
  let connections = 0
  server.on('secureConnection', () => connections++)
  return { ...(await listen(server, address)), connections: () => connections }
}

/** Accepts TCP connections and never says a word: a host whose TLS proxy hangs. */
export async function startSilentServer(address: string): Promise<TestServer> {
  const sockets = new Set<Socket>()
  const server = createTcpServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const started = await listen(server, address)
  return {
    ...started,
    connections: () => sockets.size,
    close() {
      sockets.forEach(socket => socket.destroy())
      return started.close()
    },
  }
}

function listen(server: Server | TcpServer, address: string): Promise<Omit<TestServer, 'connections'>> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, address, () => {
      resolve({
        address,
        port: (server.address() as AddressInfo).port,
        close: () => {
          if ('closeAllConnections' in server) {
            server.closeAllConnections() // connections a client keeps for its next request
          }
          return new Promise(done => server.close(() => done()))
        },
      })
    })
  })
}
