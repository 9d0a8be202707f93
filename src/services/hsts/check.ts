// The HSTS check of one host, in two parts: the probe of GET / and the read of its files (over SSH). The
// files are read only when the probe's answer leaves the verdict to them (pending-restart or not), and
// waited for only as long as the caller allows: a host whose SSH is down or slow still gets its verdict.
import type { Agent } from 'node:https'
import type { HostTarget } from '../../xo/targets'
import type { ConfiguredHsts } from './verdict'
import { readStsHeaders, type StsHeaderReading } from './header'
import { probeHttps, ProbeError, type HttpsResponse } from './probe'
import { describeCertificate, judgeTrust, type CertificateSummary, type TrustContext, type TrustProblem } from './trust'
import { judgeHsts, judgeServed, matchesConfigured, supportsHsts, type HstsVerdict, type ServedResponse } from './verdict'

export interface HostHstsCheck {
  verdict: HstsVerdict
  explanation: string
  xapi: { version?: string; supportsHsts?: boolean }
  /** What GET / returned; absent when the host could not be reached. */
  response?: { status: number; statusText: string; tlsProtocol: string | null }
  header?: StsHeaderReading
  certificate?: CertificateSummary & { trusted: boolean; problems: TrustProblem[] }
  /** What the host's files ask XAPI to send (`maxAge` -1: no header). */
  configured: ConfiguredHsts
  /** Whether XAPI sends what the files ask for (false: not restarted since the change); absent when unknown. */
  configuredMatches?: boolean
  /** Why the host could not be reached. */
  error?: { code: string; message: string }
}

export interface ProbeDeps {
  trust: TrustContext
  timeoutMs: number
  /** 443 on real hosts. */
  port?: number
  /** Keeps TLS connections (and sessions) to the hosts for the next check. */
  agent?: Agent
}

/** The read of a host's files, started once every host answered over HTTPS: its answer once in, and the read itself. */
export interface FilesRead {
  value?: ConfiguredHsts
  read: Promise<ConfiguredHsts>
}

export function startFilesRead(read: Promise<ConfiguredHsts>): FilesRead {
  const files: FilesRead = { read }
  read.then(value => (files.value = value))
  return files
}

export const NOT_NEEDED: ConfiguredHsts = { state: 'unknown', reason: 'not read: what the host serves decides its verdict whatever its files say' }

/** A probe's answer, and what it says about HSTS and the certificate. */
export interface Probed {
  response: HttpsResponse | ProbeError
  served: ServedResponse
}

export function readProbe(host: HostTarget, response: HttpsResponse | ProbeError, trust: TrustContext): Probed {
  return { response, served: servedBy(host, response, trust) }
}

/** Whether the host's files can change its verdict (pending-restart or not), given what it served. */
export function filesMatter(host: HostTarget, { served }: Probed): boolean {
  return judgeServed({ address: host.address, xapiVersion: host.xapiVersion, served, configured: NOT_NEEDED }) === undefined
}

/** GET / on the host; a failure to reach it is an answer (the verdict `unreachable`), not an error. */
export function probeHost(host: HostTarget, { trust, timeoutMs, port, agent }: ProbeDeps): Promise<HttpsResponse | ProbeError> {
  return probeHttps(host.address, { timeoutMs, port, secureContext: trust.secureContext, agent }).catch(error => {
    if (error instanceof ProbeError) {
      return error
    }
    throw error
  })
}

/**
 * Judges a probed host. `files` is the read of its files, or why they were not read (not needed, or not
 * asked for). Without `filesDeadline`, a read is awaited; with it, only until it resolves: a host whose
 * files are late then says why they are unknown (its pending restart could not be judged).
 */
export async function judgeHost(
  host: HostTarget,
  { response, served }: Probed,
  files: FilesRead | ConfiguredHsts,
  filesDeadline?: Promise<ConfiguredHsts>
): Promise<HostHstsCheck> {
  const configured = 'read' in files ? await filesWithin(files, filesDeadline) : files
  const check: HostHstsCheck = {
    ...judgeHsts({ address: host.address, xapiVersion: host.xapiVersion, served, configured }),
    xapi: { version: host.xapiVersion, supportsHsts: supportsHsts(host.xapiVersion) },
    configured,
  }
  if (!served.reachable) {
    return { ...check, error: served.error }
  }
  const configuredMatches = configured.state === 'read' ? matchesConfigured(served.header, configured.maxAge) : undefined
  return { ...check, ...observed(response as HttpsResponse, served), configuredMatches }
}

function servedBy(host: HostTarget, response: HttpsResponse | ProbeError, trust: TrustContext): ServedResponse {
  if (response instanceof ProbeError) {
    return { reachable: false, error: { code: response.code, message: response.message } }
  }
  return {
    reachable: true,
    status: response.status,
    header: readStsHeaders(response.rawHeaders),
    trust: judgeTrust(host.address, response.tls, trust),
  }
}

function filesWithin(files: FilesRead, deadline: Promise<ConfiguredHsts> | undefined): Promise<ConfiguredHsts> {
  return deadline === undefined ? files.read : Promise.race([files.read, deadline])
}

function observed(response: HttpsResponse, served: Extract<ServedResponse, { reachable: true }>): Partial<HostHstsCheck> {
  const { certificate, protocol } = response.tls
  return {
    response: { status: response.status, statusText: response.statusText, tlsProtocol: protocol },
    header: served.header,
    certificate: certificate === undefined ? undefined : { ...describeCertificate(certificate), ...served.trust },
  }
}
