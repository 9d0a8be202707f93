// The probe and the trust judgement against real TLS servers on loopback addresses, with certificates
// made by openssl: every trust problem must be named, and the header must come back exactly as sent.
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { probeHttps, ProbeError } from '../../src/services/hsts/probe'
import { createTrustContext, describeCertificate, judgeTrust, type TrustContext } from '../../src/services/hsts/trust'
import { readStsHeaders } from '../../src/services/hsts/header'
import { TestCertificates } from './certificates'
import { startSilentServer, startWebServer, type TestServer } from './web-server'

const ADDRESS = '127.78.0.1'

describe('HSTS probe and certificate trust', function () {
  let certificates: TestCertificates
  let withLabCa: TrustContext
  let systemOnly: TrustContext
  const servers: TestServer[] = []

  before(() => {
    certificates = new TestCertificates()
    withLabCa = createTrustContext(`some text before\n${certificates.ca.cert}`)
    systemOnly = createTrustContext()
  })

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(server => server.close()))
  })

  after(() => certificates.remove())

  async function serve(leaf: Parameters<TestCertificates['issue']>[0], sts: string[] = ['max-age=600'], status = 200) {
    const server = await startWebServer(ADDRESS, certificates.issue(leaf), { sts, status })
    servers.push(server)
    return server
  }

  async function judge(server: TestServer, trust = withLabCa) {
    const response = await probeHttps(server.address, { port: server.port, timeoutMs: 5000, secureContext: trust.secureContext })
    return { response, judgement: judgeTrust(server.address, response.tls, trust) }
  }

  function reasons(judgement: ReturnType<typeof judgeTrust>) {
    return judgement.problems.map(problem => problem.reason)
  }

  it('trusts a CA-signed certificate for the address when the CA is in the bundle, and describes it', async () => {
    const server = await serve({ commonName: 'host1.lab', subjectAltNames: [`IP:${ADDRESS}`, 'DNS:host1.lab'] })
    const { response, judgement } = await judge(server)
    assert.deepEqual(judgement, { trusted: true, problems: [] })
    assert.equal(response.status, 200)

    const summary = describeCertificate(response.tls.certificate!)
    assert.equal(summary.subject, 'CN=host1.lab')
    assert.equal(summary.issuer, 'CN=HSTS test CA')
    assert.deepEqual(summary.subjectAltNames, [`IP Address:${ADDRESS}`, 'DNS:host1.lab'])
    assert.ok(new Date(summary.validTo) > new Date())
    const served = new X509Certificate(response.tls.certificate!.raw)
    assert.equal(summary.fingerprintSha256, served.fingerprint256)
    assert.match(summary.fingerprintSha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  })

  it('names an unknown issuer when the CA is not trusted', async () => {
    const server = await serve({ commonName: 'host1.lab', subjectAltNames: [`IP:${ADDRESS}`] })
    const { judgement } = await judge(server, systemOnly)
    assert.deepEqual(reasons(judgement), ['unknown-issuer'])
    assert.match(judgement.problems[0].detail, /HSTS test CA/)
  })

  it('names a self-signed certificate', async () => {
    const server = await serve({ commonName: 'xcp-host', subjectAltNames: [`IP:${ADDRESS}`], selfSigned: true })
    const { judgement } = await judge(server)
    assert.deepEqual(reasons(judgement), ['self-signed'])
  })

  it('names an expired certificate, with its date', async () => {
    const server = await serve({ commonName: 'old', subjectAltNames: [`IP:${ADDRESS}`], notBefore: -400, notAfter: -2 })
    const { response, judgement } = await judge(server)
    assert.deepEqual(reasons(judgement), ['expired'])
    assert.ok(judgement.problems[0].detail.includes(describeCertificate(response.tls.certificate!).validTo))
  })

  it('names a certificate that is not valid yet', async () => {
    const server = await serve({ commonName: 'future', subjectAltNames: [`IP:${ADDRESS}`], notBefore: 3, notAfter: 400 })
    const { judgement } = await judge(server)
    assert.deepEqual(reasons(judgement), ['not-yet-valid'])
  })

  it('names a certificate for another name or address', async () => {
    const server = await serve({ commonName: 'other.lab', subjectAltNames: ['DNS:other.lab', 'IP:127.78.0.99'] })
    const { judgement } = await judge(server)
    assert.deepEqual(reasons(judgement), ['name-mismatch'])
    assert.match(judgement.problems[0].detail, new RegExp(`does not cover ${ADDRESS.replaceAll('.', '\\.')}`))
  })

  it('names every problem of a certificate that has several, the most important first', async () => {
    const server = await serve({ commonName: 'bad', subjectAltNames: ['DNS:bad.lab'], selfSigned: true, notBefore: -60, notAfter: -1 })
    const { judgement } = await judge(server)
    assert.deepEqual(reasons(judgement), ['expired', 'self-signed', 'name-mismatch'])
  })

  it('still names an untrusted issuer when the certificate has also expired (OpenSSL reports only the date)', async () => {
    const server = await serve({ commonName: 'old', subjectAltNames: [`IP:${ADDRESS}`], notBefore: -400, notAfter: -2 })
    const { judgement } = await judge(server, systemOnly)
    assert.deepEqual(reasons(judgement), ['expired', 'unknown-issuer'])
  })

  it('follows a chain through the intermediate CA the host sends, also when the certificate has expired', async () => {
    const intermediate = certificates.issue({ commonName: 'HSTS test intermediate', subjectAltNames: [], ca: true })
    const valid = certificates.issue({ commonName: 'h', subjectAltNames: [`IP:${ADDRESS}`], issuer: intermediate })
    const expired = certificates.issue({ commonName: 'h', subjectAltNames: [`IP:${ADDRESS}`], issuer: intermediate, notBefore: -90, notAfter: -1 })
    for (const [leaf, trusted, untrusted] of [
      [valid, [], ['unknown-issuer']],
      [expired, ['expired'], ['expired', 'unknown-issuer']],
    ] as const) {
      const server = await startWebServer(ADDRESS, { cert: leaf.cert + intermediate.cert, key: leaf.key })
      servers.push(server)
      assert.deepEqual(reasons((await judge(server)).judgement), trusted)
      assert.deepEqual(reasons((await judge(server, systemOnly)).judgement), untrusted)
    }
  })

  it('trusts a self-signed host certificate that the admin put in the bundle', async () => {
    const leaf = certificates.issue({ commonName: 'pinned', subjectAltNames: [`IP:${ADDRESS}`], selfSigned: true })
    const server = await startWebServer(ADDRESS, leaf, { sts: ['max-age=1'] })
    servers.push(server)
    const { judgement } = await judge(server, createTrustContext(leaf.cert))
    assert.deepEqual(judgement, { trusted: true, problems: [] })
  })

  it('keeps every STS header as received', async () => {
    const server = await serve({ commonName: 'h', subjectAltNames: [`IP:${ADDRESS}`] }, ['max-age=600; preload', 'max-age=1'])
    const { response } = await judge(server)
    const reading = readStsHeaders(response.rawHeaders)
    assert.equal(reading.state, 'valid')
    assert.deepEqual(reading.state === 'valid' && reading.received, ['max-age=600; preload', 'max-age=1'])
    assert.equal(reading.state === 'valid' && reading.policy.maxAge, 600)
  })

  it('reports a status without following it', async () => {
    const server = await serve({ commonName: 'h', subjectAltNames: [`IP:${ADDRESS}`] }, [], 404)
    const { response } = await judge(server)
    assert.equal(response.status, 404)
    assert.deepEqual(readStsHeaders(response.rawHeaders), { state: 'absent' })
  })

  it('gives up on a host that accepts the connection and never answers, within the timeout', async () => {
    const server = await startSilentServer(ADDRESS)
    servers.push(server)
    const started = Date.now()
    const error = await probeHttps(ADDRESS, { port: server.port, timeoutMs: 500, secureContext: withLabCa.secureContext }).catch(e => e)
    assert.ok(error instanceof ProbeError)
    assert.equal(error.code, 'TIMEOUT')
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
  })

  it('reports a refused connection', async () => {
    const server = await serve({ commonName: 'h', subjectAltNames: [`IP:${ADDRESS}`] })
    const { port } = server
    await servers.pop()!.close()
    const error = await probeHttps(ADDRESS, { port, timeoutMs: 2000, secureContext: withLabCa.secureContext }).catch(e => e)
    assert.ok(error instanceof ProbeError)
    assert.equal(error.code, 'REFUSED')
    assert.match(error.message, /127\.78\.0\.1:\d+\/ refused/)
  })

  describe('createTrustContext', () => {
    it('counts the certificates of the bundle and warns about unreadable ones', () => {
      const broken = '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----'
      const context = createTrustContext(`${certificates.ca.cert}\n${broken}`)
      assert.equal(context.extraCertificates, 1)
      assert.equal(context.warnings.length, 1)
      assert.match(context.warnings[0], /#2 cannot be read/)
    })

    it('warns when the setting holds no certificate', () => {
      assert.match(createTrustContext('-----BEGIN PRIVATE KEY-----').warnings[0], /no `-----BEGIN CERTIFICATE-----` block/)
      assert.deepEqual(createTrustContext('').warnings, [])
    })
  })
})
