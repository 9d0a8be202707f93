// The HSTS check's two parts run on their own: the HTTPS probe never waits on SSH where the files cannot
// change the verdict, a host whose files are late says its pending restart could not be judged, and the
// next check reuses the TLS connection.
import assert from 'node:assert/strict'
import { readTree } from '../../src/conf'
import type { ConfTree } from '../../src/conf'
import { fleetReport } from '../../src/services/hsts/report'
import { HstsService, type PoolHosts } from '../../src/services/hsts/service'
import { parseSettings } from '../../src/settings/settings'
import type { HostTarget } from '../../src/xo/targets'
import type { XoApp } from '../../src/xo/types'
import { TestCertificates } from './certificates'
import { startWebServer, type TestServer } from './web-server'

const ADDRESS = '127.78.0.2'

/** A tree whose only file sets hsts_max_age = 600. */
const hstsTree = (): Promise<ConfTree> =>
  readTree({
    lstat: async path => (path === '/etc/xapi.conf' ? 'file' : undefined),
    stat: async path => (path === '/etc/xapi.conf' ? 'file' : undefined),
    readlink: async () => '',
    readdir: async () => undefined,
    readFile: async () => Buffer.from('hsts_max_age = 600\n'),
  })

describe('HSTS check: HTTPS and files independent (local HTTPS server)', function () {
  let certificates: TestCertificates
  let server: TestServer | undefined
  let service: HstsService | undefined

  before(() => (certificates = new TestCertificates()))
  after(() => certificates.remove())
  afterEach(async () => {
    service?.close()
    await server?.close()
  })

  async function serve(sts: string[], selfSigned: boolean): Promise<PoolHosts> {
    const subject = { commonName: 'host1.lab', subjectAltNames: [`IP:${ADDRESS}`], selfSigned }
    server = await startWebServer(ADDRESS, certificates.issue(subject), { sts })
    service = new HstsService({
      xo: {} as XoApp,
      settings: parseSettings({ timeouts: { https: 5 }, trustedCertificates: certificates.ca.cert }),
      dropIns: { apply: async () => ({}) },
      port: server.port,
    })
    const host: HostTarget = {
      id: 'h1', label: 'host 1', address: ADDRESS, poolId: 'p1', poolLabel: 'Pool 1', isMaster: true, enabled: true,
      xapiVersion: '26.1.3', xapiRef: 'OpaqueRef:h1',
    }
    return { id: 'p1', label: 'Pool 1', hosts: [host] }
  }

  const never = () => new Promise<ConfTree>(() => {})

  it('does not read the files of a host whose served header decides the verdict (danger)', async () => {
    const pool = await serve(['max-age=600'], true)
    let reads = 0
    const counted = () => (reads++, never())
    const [report] = await service!.checkPools([pool], { readTree: counted }) // settles only if it does not wait for them
    const [row] = report.hosts
    assert.ok(row.ok)
    assert.equal(row.verdict, 'danger')
    assert.ok(row.configured.state === 'unknown' && /what the host serves decides/.test(row.configured.reason))
    assert.equal(reads, 0)
  })

  it('with readFiles: false, reads no file at all and says whose pending restart was not judged', async () => {
    const pool = await serve([], false)
    let reads = 0
    const [report] = await service!.checkPools([pool], { readTree: () => (reads++, hstsTree()), readFiles: false })
    const [row] = report.hosts
    assert.ok(row.ok)
    assert.equal(row.verdict, 'off', 'the files (hsts_max_age = 600) would have made it pending-restart')
    assert.equal(reads, 0)
    const fleet = fleetReport([report], [], { extraCertificates: 1, warnings: [] })
    assert.deepEqual(fleet.pendingRestartUnjudged.map(entry => [entry.host.id, /readFiles: false/.test(entry.reason)]), [['h1', true]])
  })

  it('refuses waitForFiles with readFiles: false, before any host is contacted', async () => {
    await serve([], false)
    await assert.rejects(service!.check({ waitForFiles: true, readFiles: false }), (error: any) => error.code === 10 && /readFiles/.test(error.message))
    assert.equal(server!.connections(), 0)
  })

  it('judges without late files, and lists the host whose pending restart could not be judged', async () => {
    const pool = await serve([], false)
    const reports = await service!.checkPools([pool], { readTree: never })
    const [row] = reports[0].hosts
    assert.ok(row.ok)
    assert.equal(row.verdict, 'off')
    assert.ok(row.configured.state === 'unknown' && /still being read/.test(row.configured.reason), JSON.stringify(row.configured))
    const fleet = fleetReport(reports, [], { extraCertificates: 1, warnings: [] })
    assert.deepEqual(fleet.pendingRestartUnjudged.map(entry => entry.host.id), ['h1'])
  })

  it('withdraws a read still waiting for its turn once the check is over', async () => {
    const pool = await serve([], false)
    const signals: Array<AbortSignal | undefined> = []
    const [report] = await service!.checkPools([pool], { readTree: (_host, signal) => (signals.push(signal), never()) })
    assert.ok(report.hosts[0].ok && report.hosts[0].configured.state === 'unknown')
    assert.equal(signals.length, 1)
    assert.equal(signals[0]?.aborted, true)
  })

  it('with waitForFiles, waits for the files and finds the pending restart', async () => {
    const pool = await serve([], false)
    const slowTree = () => new Promise<ConfTree>(resolve => setTimeout(() => resolve(hstsTree()), 300))
    const [report] = await service!.checkPools([pool], { readTree: slowTree, waitForFiles: true })
    const [row] = report.hosts
    assert.ok(row.ok)
    assert.equal(row.verdict, 'pending-restart')
    assert.deepEqual(row.configured, { state: 'read', maxAge: 600, file: '/etc/xapi.conf' })
  })

  it('keeps the TLS connection to a host for the next check', async () => {
    const pool = await serve(['max-age=600'], false)
    for (let check = 0; check < 3; check++) {
      const [report] = await service!.checkPools([pool], { readTree: hstsTree })
      assert.equal(report.hosts[0].ok && report.hosts[0].verdict, 'ok')
    }
    assert.equal(server!.connections(), 1)
  })
})
