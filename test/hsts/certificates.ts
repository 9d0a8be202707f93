// Real certificates for the HSTS tests, made by the openssl CLI in a temp dir: a test CA, and leaves that
// are CA-signed or self-signed with any SANs and validity window (`openssl ca` takes explicit dates,
// so expired and not-yet-valid certificates are possible).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface KeyPair {
  cert: string
  key: string
}

/** A certificate made here, which can sign others when made with `ca: true`. */
export interface IssuedCertificate extends KeyPair {
  file: string
}

export interface LeafSpec {
  commonName: string
  /** OpenSSL syntax, e.g. `IP:127.78.0.1`, `DNS:host.example`. */
  subjectAltNames: string[]
  selfSigned?: boolean
  /** Signed by this certificate instead of the test CA. */
  issuer?: IssuedCertificate
  /** An intermediate CA rather than a server certificate. */
  ca?: boolean
  /** Days from now, negative for the past; default -1 and +365. */
  notBefore?: number
  notAfter?: number
}

const DAY = 86400_000

export class TestCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'hsts-certs-'))
  readonly ca: KeyPair
  #serial = 0

  constructor() {
    writeFileSync(join(this.dir, 'index.txt'), '')
    writeFileSync(join(this.dir, 'ca.cnf'), CA_CONFIG.replaceAll('@DIR@', this.dir))
    this.#openssl(
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650',
      '-subj', '/CN=HSTS test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', 'ca.key', '-out', 'ca.crt'
    )
    this.ca = { cert: this.#read('ca.crt'), key: this.#read('ca.key') }
  }

  issue({ commonName, subjectAltNames, selfSigned = false, issuer, ca = false, notBefore = -1, notAfter = 365 }: LeafSpec): IssuedCertificate {
    const name = `leaf${++this.#serial}`
    const usage = ca ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign' : 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth'
    const names = subjectAltNames.length === 0 ? '' : `subjectAltName=${subjectAltNames.join(',')}\n`
    writeFileSync(join(this.dir, `${name}.ext`), `${usage}\n${names}`)
    const signer = issuer?.file ?? 'ca'
    this.#openssl(
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-subj', `/CN=${commonName}`, '-keyout', `${name}.key`, '-out', `${name}.csr`
    )
    this.#openssl(
      'ca', '-batch', '-notext', '-config', 'ca.cnf', '-in', `${name}.csr`, '-out', `${name}.crt`,
      '-extfile', `${name}.ext`, '-startdate', openSslDate(notBefore), '-enddate', openSslDate(notAfter),
      ...(selfSigned ? ['-selfsign', '-keyfile', `${name}.key`] : ['-cert', `${signer}.crt`, '-keyfile', `${signer}.key`])
    )
    return { cert: this.#read(`${name}.crt`), key: this.#read(`${name}.key`), file: name }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  #openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] })
  }

  #read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8')
  }
}

function openSslDate(daysFromNow: number): string {
  return new Date(Date.now() + daysFromNow * DAY).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')
}

const CA_CONFIG = `
[ca]
default_ca = test_ca

[test_ca]
dir = @DIR@
database = $dir/index.txt
new_certs_dir = $dir
rand_serial = yes
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none

[any_name]
commonName = supplied
`
