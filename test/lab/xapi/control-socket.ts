// `runDir/lab-xapi.sock`: the lab's stand-in for systemd on each host. The host's
// xe-toolstack-restart script calls it with curl (HTTP over the unix socket):
//   POST /restart  restart that host's XAPI; answers once XAPI runs again (before its init
//                  completes) or failed to start: {"state":"up"} or {"state":"down","exitCode":1|2,"stderr":"…"};
//                  409 {"error":"…"} while another restart of the host runs
//   GET /state     {"state":"up"|"starting"|"down"[,"exitCode","stderr"]}
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'

import { type HostAgent, RestartInProgressError } from './agent'

export const CONTROL_SOCKET_NAME = 'lab-xapi.sock'

export class ControlSocket {
  private readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch(error => reply(res, 500, { error: String(error) }))
  })

  constructor(private readonly agent: HostAgent) {}

  get path(): string {
    return path.join(this.agent.host.runDir, CONTROL_SOCKET_NAME)
  }

  listen(): Promise<void> {
    fs.rmSync(this.path, { force: true })
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.path, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise(resolve => this.server.close(resolve))
    fs.rmSync(this.path, { force: true })
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume()
    if (req.method === 'GET' && req.url === '/state') return reply(res, 200, this.agent.status())
    if (req.method !== 'POST' || req.url !== '/restart') return reply(res, 404, { error: `no ${req.method} ${req.url}` })
    try {
      reply(res, 200, await this.agent.restart())
    } catch (error) {
      if (!(error instanceof RestartInProgressError)) throw error
      reply(res, 409, { error: error.message })
    }
  }
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
