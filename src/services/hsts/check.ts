// The HSTS check of one host, in two independent parts: the probe of GET / and the read of its files
// (over SSH). The verdict waits for the files only when they can change it (pending-restart or not),
// and only as long as the caller allows: a host whose SSH is down or slow still gets its verdict.
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

/** The read of a host's files, started before the probe: its answer once in, and the read itself. */
export interface FilesRead {
  value?: ConfiguredHsts
  read: Promise<ConfiguredHsts>
}

export function startFilesRead(read: Promise<ConfiguredHsts>): FilesRead {
  const files: FilesRead = { read }
  read.then(value => (files.value = value))
  return files
}

const NOT_AWAITED: ConfiguredHsts = { state: 'unknown', reason: 'not read: what the host serves decides its verdict whatever its files say' }

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
 * Judges a probed host. Without `filesDeadline`, its files are awaited. With it, they are awaited only
 * where they can change the verdict, and only until it resolves: a host they were needed for then says
 * why its files are unknown (its pending restart could not be judged).
 */
export async function judgeHost(
  host: HostTarget,
  response: HttpsResponse | ProbeError,
  files: FilesRead,
  { trust, filesDeadline }: { trust: TrustContext; filesDeadline?: Promise<ConfiguredHsts> }
): Promise<HostHstsCheck> {
  const served = servedBy(host, response, trust)
  const judge = (configured: ConfiguredHsts) => ({ address: host.address, xapiVersion: host.xapiVersion, served, configured })
  const filesMatter = judgeServed(judge(files.value ?? NOT_AWAITED)) === undefined
  const configured = filesMatter || filesDeadline === undefined ? await filesWithin(files, filesDeadline) : (files.value ?? NOT_AWAITED)
  const check: HostHstsCheck = {
    ...judgeHsts(judge(configured)),
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
