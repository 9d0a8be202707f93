// One `GET https://<address>/` the way a browser opening XO Lite does it, but without judging anything:
// no redirect is followed, the certificate is accepted whatever it is (trust.ts judges it afterwards
// from what OpenSSL reported), and the headers are kept exactly as received. XAPI answers HEAD with
// 501 and sends the HSTS header only on files it serves, so GET / is the only meaningful request.
import { Agent, request, type RequestOptions } from 'node:https'
import { isIP } from 'node:net'
import type { ConnectionOptions, DetailedPeerCertificate, PeerCertificate, SecureContext, TLSSocket } from 'node:tls'
import { X509Certificate } from 'node:crypto'

export interface HttpsResponse {
  status: number
  statusText: string
  /** Node's `rawHeaders`: names and values as received, alternating, duplicates kept. */
  rawHeaders: string[]
  tls: {
    protocol: string | null
    /** OpenSSL's verdict on the chain against the trust store of the probe (host name not included). */
    chainError?: string
    certificate?: X509Certificate
    /** The same certificate in the shape `tls.checkServerIdentity` takes. */
    peerCertificate?: PeerCertificate
    /** The other certificates the host sent (its intermediates, maybe a root), nearest first. */
    chain: X509Certificate[]
  }
}

export type ProbeErrorCode = 'TIMEOUT' | 'REFUSED' | 'NETWORK' | 'TLS' | 'HTTP'

export class ProbeError extends Error {
  readonly code: ProbeErrorCode

  constructor(code: ProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProbeError'
    this.code = code
  }
}

export interface ProbeOptions {
  timeoutMs: number
  /** Holds the CAs the chain is verified against (see trust.ts `createTrustContext`). */
  secureContext: SecureContext
  port?: number
  /** Keeps the connection for the next check (see probeAgent); without it, every probe connects anew. */
  agent?: Agent
}

/** A page longer than this is not downloaded: the connection is closed instead of kept. */
const KEPT_BODY_BYTES = 256 * 1024

/**
 * Keeps one TLS connection per host between checks, so that the next check skips the handshake. TLS
 * sessions are not resumed: a resumed session does not carry the host's certificate chain.
 */
export function probeAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, maxCachedSessions: 0, timeout: 60_000 })
}

const USER_AGENT = 'xo-server-xapi-config (HSTS check)'

/** `GET /` on the host; resolves with the response head, rejects with a `ProbeError`. */
export async function probeHttps(address: string, options: ProbeOptions): Promise<HttpsResponse> {
  try {
    return await getRoot(address, options)
  } catch (error) {
    // A kept connection the host closed meanwhile fails at once: that says nothing about the host.
    if (error instanceof StaleConnection) {
      return getRoot(address, { ...options, agent: undefined })
    }
    throw error
  }
}

class StaleConnection extends Error {}

function getRoot(address: string, { timeoutMs, secureContext, port = 443, agent }: ProbeOptions): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions & Pick<ConnectionOptions, 'secureContext'> = {
      host: address,
      port,
      method: 'GET',
      path: '/',
      headers: { 'user-agent': USER_AGENT, accept: 'text/html' },
      agent: agent ?? false,
      // SNI carries host names only (RFC 6066 §3); node warns when given an IP address.
      servername: isIP(address) === 0 ? address : undefined,
      secureContext,
      rejectUnauthorized: false,
      // The name is checked by trust.ts, so that the chain error reported here is about the chain only.
      checkServerIdentity: () => undefined,
      signal: AbortSignal.timeout(timeoutMs),
    }
    // https hands `secureContext` to tls.connect, though its option type does not list it.
    const req = request(options)
    req.once('response', res => {
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        rawHeaders: res.rawHeaders,
        tls: readTls(res.socket as TLSSocket),
      })
      // Only the head matters. A short page is read to its end so that the kept connection can serve the
      // next check; otherwise the response is closed early, and either stream may report an abort.
      res.on('error', () => {})
      if (agent === undefined) {
        res.destroy()
        return
      }
      let received = 0
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > KEPT_BODY_BYTES) {
          res.destroy()
        }
      })
    })
    req.on('error', error =>
      reject(req.reusedSocket && !isTimeout(error) ? new StaleConnection() : toProbeError(error, address, port, timeoutMs))
    )
    req.end()
  })
}

function isTimeout(error: Error): boolean {
  return error.name === 'AbortError' || error.name === 'TimeoutError'
}

/** What each socket's handshake brought: a kept connection serves the next checks with the same certificates. */
const tlsOfSocket = new WeakMap<TLSSocket, HttpsResponse['tls']>()

function readTls(socket: TLSSocket): HttpsResponse['tls'] {
  let tls = tlsOfSocket.get(socket)
  if (tls === undefined) {
    tls = readHandshake(socket)
    tlsOfSocket.set(socket, tls)
  }
  return tls
}

function readHandshake(socket: TLSSocket): HttpsResponse['tls'] {
  // Not getPeerX509Certificate(): on Node 20, calling it first leaves getPeerCertificate() empty.
  const peerCertificate = socket.getPeerCertificate(true)
  const hasCertificate = peerCertificate.raw !== undefined
  return {
    protocol: socket.getProtocol(),
    chainError: socket.authorized ? undefined : String(socket.authorizationError ?? 'UNKNOWN'),
    certificate: hasCertificate ? new X509Certificate(peerCertificate.raw) : undefined,
    peerCertificate: hasCertificate ? peerCertificate : undefined,
    chain: hasCertificate ? issuersOf(peerCertificate) : [],
  }
}

/** Follows `issuerCertificate` links; node ends the list with a certificate that is its own issuer. */
function issuersOf(certificate: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = []
  let current = certificate
  while (current.issuerCertificate?.raw !== undefined && current.issuerCertificate !== current && chain.length < 10) {
    current = current.issuerCertificate
    chain.push(new X509Certificate(current.raw))
  }
  return chain
}

function toProbeError(error: Error & { code?: string }, address: string, port: number, timeoutMs: number): ProbeError {
  const where = `https://${isIP(address) === 6 ? `[${address}]` : address}:${port}/`
  if (isTimeout(error)) {
    return new ProbeError('TIMEOUT', `${where} did not answer within ${Math.round(timeoutMs / 1000)} s`, { cause: error })
  }
  if (error.code === 'ECONNREFUSED') {
    return new ProbeError('REFUSED', `${where} refused the connection (XAPI or its TLS proxy is not listening)`, { cause: error })
  }
  if (error.code?.startsWith('ERR_SSL') === true || /SSL|TLS/.test(error.message)) {
    return new ProbeError('TLS', `the TLS handshake with ${where} failed: ${error.message}`, { cause: error })
  }
  if (error.code?.startsWith('HPE_') === true) {
    return new ProbeError('HTTP', `${where} sent an invalid HTTP response: ${error.message}`, { cause: error })
  }
  return new ProbeError('NETWORK', `${where} could not be reached: ${error.message}`, { cause: error })
}
