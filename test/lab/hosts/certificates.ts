// Certificates with the openssl CLI: a lab CA, and per host the kind of certificate a test asks
// for. EC P-256 keys rather than XCP-ng's RSA 2048: a 200-host lab would otherwise spend half a
// minute of CPU on key generation, and nothing the plugin checks depends on the key type.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { CertificateKind } from '../contract'
import { run } from './run'

const DAY_MS = 86_400_000
/** Validity of the certificates the lab CA signs, in days from now. */
const CA_SIGNED_VALIDITY: Record<Exclude<CertificateKind, 'self-signed'>, { from: number; to: number }> = {
  'ca-signed': { from: -1, to: 825 },
  'wrong-name': { from: -1, to: 825 },
  expired: { from: -400, to: -30 },
}
const KEY_OPTIONS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
/** The name a `wrong-name` certificate is issued for, instead of the host's name and address. */
export const WRONG_NAME = 'wrong-name.lab.invalid'

export interface Pem {
  cert: string
  key: string
}

export interface LabCa extends Pem {
  certPath: string
  keyPath: string
  /** openssl configuration used for every request and signature of this lab. */
  configPath: string
}

export interface CertificateSubject {
  name: string
  address: string
}

export async function createLabCa(dir: string, labId: string): Promise<LabCa> {
  const configPath = join(dir, 'openssl.cnf')
  const certPath = join(dir, 'ca.pem')
  const keyPath = join(dir, 'ca.key')
  await writeFile(configPath, OPENSSL_CONFIG)
  await openssl(configPath, [
    'req', '-x509', ...KEY_OPTIONS, '-keyout', keyPath, '-out', certPath, '-days', '3650',
    '-subj', `/O=xo-server-xapi-config lab/CN=Lab ${labId} CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ])
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')])
  return { cert, key, certPath, keyPath, configPath }
}

/**
 * self-signed: like a fresh XCP-ng host (CN and SANs = its name and address, not chained to the CA);
 * ca-signed: issued by the lab CA for its name and address; expired: the same, valid until a month ago;
 * wrong-name: issued by the lab CA, valid, but for WRONG_NAME only.
 */
export async function createHostCertificate(kind: CertificateKind, subject: CertificateSubject, ca: LabCa, workDir: string): Promise<Pem> {
  const scratch = await mkdtemp(join(workDir, 'cert-'))
  try {
    const paths = { key: join(scratch, 'key.pem'), cert: join(scratch, 'cert.pem'), request: join(scratch, 'request.pem') }
    const names = kind === 'wrong-name' ? `DNS:${WRONG_NAME}` : `DNS:${subject.name},IP:${subject.address}`
    const commonName = kind === 'wrong-name' ? WRONG_NAME : subject.name
    const request = ['req', ...KEY_OPTIONS, '-keyout', paths.key, '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${names}`]
    if (kind === 'self-signed') {
      await openssl(ca.configPath, [...request, '-x509', '-days', '3650', '-addext', 'basicConstraints=critical,CA:FALSE', '-out', paths.cert])
    } else {
      await openssl(ca.configPath, [...request, '-new', '-out', paths.request])
      await signWithCa(ca, paths.request, paths.cert, scratch, CA_SIGNED_VALIDITY[kind])
    }
    const [cert, key] = await Promise.all([readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')])
    return { cert, key }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

// `openssl ca` is the only openssl 3.0 command that takes explicit validity dates; each signature
// gets its own scratch database so that hosts can be created concurrently.
async function signWithCa(ca: LabCa, requestPath: string, certPath: string, scratch: string, days: { from: number; to: number }): Promise<void> {
  await writeFile(join(scratch, 'index.txt'), '')
  await openssl(ca.configPath, [
    'ca', '-batch', '-notext', '-config', ca.configPath, '-name', 'lab_ca',
    '-cert', ca.certPath, '-keyfile', ca.keyPath, '-in', requestPath, '-out', certPath, '-outdir', scratch,
    '-startdate', asn1Time(days.from), '-enddate', asn1Time(days.to),
  ], { LAB_CA_DATABASE: join(scratch, 'index.txt') })
}

function asn1Time(daysFromNow: number): string {
  return `${new Date(Date.now() + daysFromNow * DAY_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`
}

function openssl(configPath: string, args: string[], env: Record<string, string> = {}): Promise<unknown> {
  return run('openssl', args, { env: { OPENSSL_CONF: configPath, ...env } })
}

const OPENSSL_CONFIG = `# openssl configuration of the xo-server-xapi-config lab
LAB_CA_DATABASE = /dev/null

[req]
distinguished_name = req_dn
prompt = no

[req_dn]

[lab_ca]
database = $ENV::LAB_CA_DATABASE
rand_serial = yes
default_md = sha256
policy = lab_policy
unique_subject = no
copy_extensions = copy
x509_extensions = lab_leaf

[lab_policy]
commonName = supplied

[lab_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
`
