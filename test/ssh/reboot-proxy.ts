// A TCP relay in front of a test sshd that can "reboot the host": the connections it carries are
// forgotten without a word to the client (as a host that restarted has forgotten them), and the next
// packet the client sends on one is answered with a reset. It can also send new connections elsewhere
// (a reinstalled host answering with another host key).
import { connect, createServer, type Socket } from 'node:net'
import { SSHD_ADDRESS } from './sshd'

export interface RebootProxy {
  address: string
  port: number
  /** Forgets every connection it carries; new ones go to `target` when given. */
  reboot(target?: { address: string; port: number }): void
  stop(): Promise<void>
}

export async function startRebootProxy(target: { address: string; port: number }): Promise<RebootProxy> {
  let upstreamTarget = target
  const carried = new Set<{ client: Socket; upstream: Socket }>()
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    const upstream = connect(upstreamTarget.port, upstreamTarget.address)
    const pair = { client, upstream }
    carried.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    const forget = () => {
      if (carried.delete(pair)) {
        client.destroy()
        upstream.destroy()
      }
    }
    client.on('error', forget).on('close', forget)
    upstream.on('error', forget).on('close', forget)
  })
  await new Promise<void>(resolve => server.listen(0, SSHD_ADDRESS, resolve))
  return {
    address: SSHD_ADDRESS,
    port: (server.address() as { port: number }).port,
    reboot(next) {
      upstreamTarget = next ?? upstreamTarget
      for (const pair of carried) {
        carried.delete(pair)
        pair.client.unpipe(pair.upstream)
        pair.upstream.unpipe(pair.client)
        pair.upstream.removeAllListeners('close').on('error', () => undefined).destroy()
        pair.client.once('data', () => pair.client.resetAndDestroy()).resume()
      }
    },
    stop() {
      for (const { upstream } of carried) {
        upstream.destroy()
      }
      sockets.forEach(socket => socket.destroy())
      return new Promise(resolve => server.close(() => resolve()))
    },
  }
}
