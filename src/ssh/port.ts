// Waiting for a host's SSH port to accept connections, e.g. right after XAPI started sshd.
import { connect } from 'node:net'
import { HostAccessError, seconds, type SshHost } from './errors'

const RETRY_MS = 200

/** Resolves once `host` accepts a TCP connection on `port`; rejects after `timeoutMs`. */
export async function waitForPort(host: SshHost, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await accepts(host.address, port, Math.max(100, deadline - Date.now()))) {
      return
    }
    if (Date.now() + RETRY_MS > deadline) {
      throw new HostAccessError('CONNECT_TIMEOUT', `port ${port} did not accept connections within ${seconds(timeoutMs)}`, { host })
    }
    await new Promise(resolve => setTimeout(resolve, RETRY_MS))
  }
}

function accepts(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host: address, port, timeout: timeoutMs })
    const done = (accepted: boolean) => {
      socket.destroy()
      resolve(accepted)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}
