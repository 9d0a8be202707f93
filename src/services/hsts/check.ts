// The HSTS check of one host: the probe of GET / and the read of its files run side by side, each
// with its own timeout, so a host whose SSH is down still gets its header and certificate verdict.
import type { HostTarget } from '../../xo/targets'
import { readConfiguredHsts, type TreeReader } from './configured'
import { readStsHeaders, type StsHeaderReading } from './header'
import { probeHttps, ProbeError, type HttpsResponse } from './probe'
import { describeCertificate, judgeTrust, type CertificateSummary, type TrustContext, type TrustProblem } from './trust'
import { judgeHsts, matchesConfigured, supportsHsts, type ConfiguredHsts, type HstsVerdict, type ServedResponse } from './verdict'

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

export interface HostCheckDeps {
  trust: TrustContext
  access?: TreeReader
  timeoutMs: number
  /** 443 on real hosts. */
  port?: number
}

export async function checkHostHsts(host: HostTarget, deps: HostCheckDeps): Promise<HostHstsCheck> {
  const [response, configured] = await Promise.all([probe(host, deps), readConfiguredHsts(deps.access, host)])
  const conclude = (served: ServedResponse, details: Partial<HostHstsCheck>): HostHstsCheck => ({
    ...judgeHsts({ address: host.address, xapiVersion: host.xapiVersion, served, configured }),
    xapi: { version: host.xapiVersion, supportsHsts: supportsHsts(host.xapiVersion) },
    configured,
    ...details,
  })
  if (response instanceof ProbeError) {
    const error = { code: response.code, message: response.message }
    return conclude({ reachable: false, error }, { error })
  }
  const served = {
    reachable: true as const,
    status: response.status,
    header: readStsHeaders(response.rawHeaders),
    trust: judgeTrust(host.address, response.tls, deps.trust),
  }
  const configuredMatches = configured.state === 'read' ? matchesConfigured(served.header, configured.maxAge) : undefined
  return conclude(served, { ...observed(response, served), configuredMatches })
}

function probe(host: HostTarget, { trust, timeoutMs, port }: HostCheckDeps): Promise<HttpsResponse | ProbeError> {
  return probeHttps(host.address, { timeoutMs, port, secureContext: trust.secureContext }).catch(error => {
    if (error instanceof ProbeError) {
      return error
    }
    throw error
  })
}

function observed(response: HttpsResponse, served: Extract<ServedResponse, { reachable: true }>): Partial<HostHstsCheck> {
  const { certificate, protocol } = response.tls
  return {
    response: { status: response.status, statusText: response.statusText, tlsProtocol: protocol },
    header: served.header,
    certificate: certificate === undefined ? undefined : { ...describeCertificate(certificate), ...served.trust },
  }
}
