// One verdict per host from what was observed (the response to GET /, its certificate) and what was
// read (the XAPI version, the effective `hsts_max_age` in the host's files), with one line that tells
// the admin what to do. The first rule that applies wins, from the most to the least fundamental.
import { isIP } from 'node:net'
import type { StsHeaderReading } from './header'
import { catalogEntry } from '../../conf/catalog'
import { isKnownToVersion, parseVersion } from '../../conf/version'
import type { TrustJudgement } from './trust'

export type HstsVerdict =
  | 'ok'
  | 'off'
  | 'danger'
  | 'expiring'
  | 'pending-restart'
  | 'not-applicable'
  | 'unreachable'
  | 'unsupported'

export const HSTS_KEY = catalogEntry('hsts_max_age')!

/** XAPI's default: a negative value sends no header. */
export const HSTS_DISABLED = -1

export type ServedResponse =
  | { reachable: false; error: { code: string; message: string } }
  | { reachable: true; status: number; header: StsHeaderReading; trust: TrustJudgement }

/** The effective `hsts_max_age` of the host's files, when they could be read. */
export type ConfiguredHsts =
  | { state: 'read'; maxAge: number; /** the file whose line sets it; none when XAPI's default applies */ file?: string }
  | { state: 'unknown'; reason: string }

export interface VerdictInput {
  address: string
  xapiVersion?: string
  served: ServedResponse
  configured: ConfiguredHsts
}

export interface Judgement {
  verdict: HstsVerdict
  explanation: string
}

type Reachable = Extract<ServedResponse, { reachable: true }>

export function judgeHsts(input: VerdictInput): Judgement {
  return judgeServed(input) ?? judgeAgainstFiles(input, input.served as Reachable)
}

/**
 * The verdict when what the host served decides it whatever its files say; undefined when the files may
 * make it `pending-restart`. `configured` only adds a note, and may be unknown.
 */
export function judgeServed({ address, xapiVersion, served, configured }: VerdictInput): Judgement | undefined {
  if (!served.reachable) {
    return { verdict: 'unreachable', explanation: `The HTTPS check failed: ${served.error.message}.` }
  }
  if (supportsHsts(xapiVersion) === false) {
    return { verdict: 'unsupported', explanation: explainUnsupported(xapiVersion!, configured) }
  }
  if (served.header.state === 'absent' && !isSuccess(served.status)) {
    return { verdict: 'not-applicable', explanation: explainNoPage(served.status) }
  }
  const maxAge = servedMaxAge(served.header)
  if (maxAge !== undefined && maxAge > 0 && !served.trust.trusted) {
    return { verdict: 'danger', explanation: explainDanger(maxAge, served.trust, address) }
  }
  return undefined
}

function judgeAgainstFiles({ address, configured }: VerdictInput, served: Reachable): Judgement {
  if (configured.state === 'read' && !matchesConfigured(served.header, configured.maxAge)) {
    return { verdict: 'pending-restart', explanation: explainPendingRestart(configured, served.header) }
  }
  const maxAge = servedMaxAge(served.header)
  if (maxAge === 0) {
    return { verdict: 'expiring', explanation: explainExpiring(served.trust) }
  }
  if (maxAge !== undefined) {
    return { verdict: 'ok', explanation: explainOk(maxAge, address) + duplicatesNote(served.header) }
  }
  return { verdict: 'off', explanation: explainOff(served) }
}

/** Whether this XAPI version reads `hsts_max_age`; undefined when the version is unknown. */
export function supportsHsts(xapiVersion: string | undefined): boolean | undefined {
  const version = xapiVersion === undefined ? undefined : parseVersion(xapiVersion)
  return version === undefined ? undefined : isKnownToVersion(HSTS_KEY, version)
}

/** `max-age` of the header browsers would apply; undefined when none is (absent or malformed). */
function servedMaxAge(header: StsHeaderReading): number | undefined {
  return header.state === 'valid' ? header.policy.maxAge : undefined
}

/** What XAPI sends for `hsts_max_age = configured`: nothing when negative, else exactly `max-age=<n>`. */
export function matchesConfigured(header: StsHeaderReading, configured: number): boolean {
  if (configured < 0) {
    return header.state === 'absent'
  }
  return header.state === 'valid' && header.policy.maxAge === configured
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

function formatDuration(seconds: number): string {
  const days = seconds / 86400
  if (days >= 365) {
    return `${+(days / 365).toFixed(1)} year${days >= 730 ? 's' : ''}`
  }
  if (days >= 1) {
    return `${Math.round(days)} day${days >= 2 ? 's' : ''}`
  }
  return `${seconds} s`
}

function describeServed(header: StsHeaderReading): string {
  switch (header.state) {
    case 'absent':
      return 'no header'
    case 'invalid':
      return `a malformed header (\`${header.received[0]}\`)`
    case 'valid':
      return `max-age=${header.policy.maxAge}`
  }
}

function describeConfigured(maxAge: number): string {
  return maxAge < 0 ? 'no header (hsts_max_age not set)' : `max-age=${maxAge}`
}

function describeProblems(trust: TrustJudgement): string {
  return trust.problems.map(problem => problem.reason).join(', ')
}

function explainUnsupported(xapiVersion: string, configured: ConfiguredHsts): string {
  const ignored =
    configured.state === 'read' && configured.maxAge >= 0 ? ` The hsts_max_age = ${configured.maxAge} in its files has no effect.` : ''
  return (
    `XAPI ${xapiVersion} does not know hsts_max_age (it needs XAPI ${HSTS_KEY.since} or later, i.e. XCP-ng 8.3): ` +
    `upgrade the host to use HSTS.${ignored}`
  )
}

function explainNoPage(status: number): string {
  const why =
    status === 404
      ? 'there is no page at / (XO Lite is not installed, or disable-webserver = true)'
      : `GET / answered ${status} instead of a page`
  return `HSTS cannot be observed: ${why}; XAPI sends the header only with the page it serves at /.`
}

function explainDanger(maxAge: number, trust: TrustJudgement, address: string): string {
  const byName = isIP(address) === 0 ? '' : ' (browsers ignore HSTS for IP addresses, so the risk is for users who open it by name)'
  return (
    `Lockout risk: HSTS is on (max-age=${maxAge}, ${formatDuration(maxAge)}) but browsers will not trust the certificate ` +
    `(${describeProblems(trust)}), and a browser that cached the policy refuses the host with no way around it${byName}. ` +
    'Install a certificate browsers trust, or stop sending the header with setHsts (maxAge: null).'
  )
}

function explainPendingRestart(configured: Extract<ConfiguredHsts, { state: 'read' }>, header: StsHeaderReading): string {
  const where = configured.file === undefined ? 'The configuration files ask' : `${configured.file} asks`
  return (
    `${where} for ${describeConfigured(configured.maxAge)} but XAPI sends ` +
    `${describeServed(header)}: the toolstack was not restarted since the change; restart it to apply the setting.`
  )
}

function explainExpiring(trust: TrustJudgement): string {
  const ignored = trust.trusted
    ? ''
    : ` Browsers ignore it while the certificate is not trusted (${describeProblems(trust)}): fix the certificate first.`
  return (
    'The host sends max-age=0, so browsers that visit it forget its HSTS policy. Once they have, remove the setting ' +
    `with setHsts (maxAge: null) to return to XAPI's default (no header).${ignored}`
  )
}

function explainOk(maxAge: number, address: string): string {
  const byName = isIP(address) === 0 ? '' : ' Browsers apply it only when the host is opened by a DNS name.'
  return `HSTS is on (max-age=${maxAge}, ${formatDuration(maxAge)}) and the certificate is trusted.${byName}`
}

function explainOff({ header, trust }: Reachable): string {
  if (header.state === 'invalid') {
    return `The Strict-Transport-Security header is malformed (${header.problem}), so browsers ignore it.${duplicatesNote(header)}`
  }
  const advice = trust.trusted
    ? 'enable it with setHsts if your scanners require it.'
    : `make the certificate trusted before enabling it (${describeProblems(trust)}).`
  return `No Strict-Transport-Security header: HSTS is off (XAPI's default); ${advice}`
}

function duplicatesNote(header: StsHeaderReading): string {
  return header.state !== 'absent' && header.received.length > 1
    ? ` The response carries ${header.received.length} Strict-Transport-Security headers; browsers use only the first.`
    : ''
}
