// Would a browser trust this host's certificate? The chain is verified by OpenSSL during the probe's
// handshake against the system CAs plus the admin's PEM bundle (settings.trustedCertificates); the
// validity dates and the address (against the SANs) are checked here, so that every problem is named,
// not only the first one OpenSSL met.
import { X509Certificate } from 'node:crypto'
import { checkServerIdentity, createSecureContext, rootCertificates, type SecureContext } from 'node:tls'
import type { HttpsResponse } from './probe'

export type TrustProblemReason =
  | 'self-signed'
  | 'unknown-issuer'
  | 'expired'
  | 'not-yet-valid'
  | 'name-mismatch'
  | 'invalid-chain'
  | 'no-certificate'

export interface TrustProblem {
  reason: TrustProblemReason
  detail: string
}

export interface TrustJudgement {
  trusted: boolean
  /** Most important first; empty when trusted. */
  problems: TrustProblem[]
}

export interface CertificateSummary {
  subject: string
  issuer: string
  subjectAltNames: string[]
  validFrom: string
  validTo: string
  /** SHA-256 of the DER certificate, as browsers and `openssl x509 -fingerprint -sha256` print it. */
  fingerprintSha256: string
}

export interface TrustContext {
  secureContext: SecureContext
  /** The same CAs, parsed (on first use): the system's, then the admin's. */
  anchors(): X509Certificate[]
  /** How many certificates of the admin's bundle are trusted on top of the system CAs. */
  extraCertificates: number
  /** Parts of the bundle that were ignored, and why. */
  warnings: string[]
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

const CHAIN_ERRORS: Record<string, TrustProblemReason> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-issuer',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-issuer',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
}

const PRIORITY: TrustProblemReason[] = [
  'no-certificate',
  'expired',
  'not-yet-valid',
  'self-signed',
  'unknown-issuer',
  'invalid-chain',
  'name-mismatch',
]

/** The trust store of a check: the system CAs and every certificate of the admin's PEM bundle. */
export function createTrustContext(bundle = ''): TrustContext {
  const warnings: string[] = []
  const extra: string[] = []
  for (const [index, pem] of (bundle.match(PEM_CERTIFICATE) ?? []).entries()) {
    try {
      new X509Certificate(pem)
      extra.push(pem)
    } catch (error) {
      warnings.push(`trusted certificate #${index + 1} cannot be read and is ignored: ${(error as Error).message}`)
    }
  }
  if (bundle.trim() !== '' && extra.length === 0 && warnings.length === 0) {
    warnings.push('the trusted certificates setting holds no `-----BEGIN CERTIFICATE-----` block')
  }
  const pems = [...rootCertificates, ...extra]
  let anchors: X509Certificate[] | undefined
  return {
    // Without a bundle, Node's default store (shared, built once per process; a list of CAs is parsed anew
    // for each context, ~100 ms of the event loop): its bundled CAs, and those of NODE_EXTRA_CA_CERTS if
    // xo-server was started with it.
    secureContext: extra.length === 0 ? createSecureContext() : createSecureContext({ ca: pems }),
    anchors: () => (anchors ??= pems.map(pem => new X509Certificate(pem))),
    extraCertificates: extra.length,
    warnings,
  }
}

export function describeCertificate(certificate: X509Certificate): CertificateSummary {
  return {
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    subjectAltNames: certificate.subjectAltName?.split(', ') ?? [],
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
    fingerprintSha256: certificate.fingerprint256,
  }
}

/** Judges the certificate a probe of `address` received through `context`, as of `now`. */
export function judgeTrust(address: string, tls: HttpsResponse['tls'], context: TrustContext, now = new Date()): TrustJudgement {
  const { certificate, peerCertificate } = tls
  if (certificate === undefined || peerCertificate === undefined) {
    return { trusted: false, problems: [{ reason: 'no-certificate', detail: 'the host presented no certificate' }] }
  }
  const found = new Map<TrustProblemReason, string>()
  for (const problem of [...chainProblems(tls, certificate, context), ...validityProblems(certificate, now)]) {
    found.set(problem.reason, problem.detail)
  }
  const mismatch = checkServerIdentity(address, peerCertificate)
  if (mismatch !== undefined) {
    found.set('name-mismatch', `it does not cover ${address}: ${mismatch.message}`)
  }
  const problems = PRIORITY.filter(reason => found.has(reason)).map(reason => ({ reason, detail: found.get(reason)! }))
  return { trusted: problems.length === 0, problems }
}

/** What OpenSSL found wrong with the chain. It reports only its last error, and a date error hides an
 * untrusted issuer, so in that case the issuer is looked for here. */
function chainProblems(tls: HttpsResponse['tls'], certificate: X509Certificate, context: TrustContext): TrustProblem[] {
  if (tls.chainError === undefined) {
    return []
  }
  const reason = CHAIN_ERRORS[tls.chainError] ?? 'invalid-chain'
  const problems = [{ reason, detail: describeChainProblem(reason, certificate, tls.chainError) }]
  if (reason === 'expired' || reason === 'not-yet-valid') {
    const issuerReason = untrustedIssuer(certificate, tls.chain, context.anchors())
    if (issuerReason !== undefined) {
      problems.push({ reason: issuerReason, detail: describeChainProblem(issuerReason, certificate, tls.chainError) })
    }
  }
  return problems
}

/** Walks from the certificate up through the certificates the host sent until a trusted CA signs one. */
function untrustedIssuer(
  certificate: X509Certificate,
  sent: X509Certificate[],
  anchors: X509Certificate[]
): 'self-signed' | 'unknown-issuer' | undefined {
  let current = certificate
  for (let depth = 0; depth <= sent.length; depth++) {
    if (anchors.some(anchor => anchor.fingerprint256 === current.fingerprint256 || isIssuedBy(current, anchor))) {
      return undefined
    }
    const issuer = sent.find(candidate => isIssuedBy(current, candidate))
    if (issuer === undefined || isIssuedBy(current, current)) {
      return depth === 0 && isIssuedBy(current, current) ? 'self-signed' : 'unknown-issuer'
    }
    current = issuer
  }
  return 'unknown-issuer'
}

function isIssuedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey)
}

function validityProblems(certificate: X509Certificate, now: Date): TrustProblem[] {
  const problems: TrustProblem[] = []
  if (new Date(certificate.validTo) < now) {
    problems.push({ reason: 'expired', detail: `it expired on ${new Date(certificate.validTo).toISOString()}` })
  }
  if (new Date(certificate.validFrom) > now) {
    problems.push({ reason: 'not-yet-valid', detail: `it is not valid before ${new Date(certificate.validFrom).toISOString()}` })
  }
  return problems
}

function describeChainProblem(reason: TrustProblemReason, certificate: X509Certificate, code: string): string {
  switch (reason) {
    case 'self-signed':
      return `it is self-signed (${oneLine(certificate.subject)}) and not in the trusted certificates`
    case 'unknown-issuer':
      return `its issuer (${oneLine(certificate.issuer)}) is neither a system CA nor in the trusted certificates`
    case 'expired':
      return 'a certificate of its chain has expired'
    case 'not-yet-valid':
      return 'a certificate of its chain is not valid yet'
    default:
      return `its chain does not verify (OpenSSL: ${code})`
  }
}

/** X509Certificate prints names one attribute per line. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ')
}
