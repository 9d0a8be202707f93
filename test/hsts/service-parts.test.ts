// The HSTS service's pure parts: the configured value from a host's files, the summaries, the audit
// findings against the desired state, and setHsts's guards.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readLocalTree } from '../../src/conf/local-tree'
import { parseDesired } from '../../src/services/dropins/desired'
import { auditSection, desiredMaxAge } from '../../src/services/hsts/audit'
import type { HostHstsCheck } from '../../src/services/hsts/check'
import { configuredIn } from '../../src/services/hsts/configured'
import { fleetReport, poolReport, type HstsRow } from '../../src/services/hsts/report'
import { lockoutMessage, nextStepAfter, untrustedHosts, valueToWrite } from '../../src/services/hsts/set'
import type { HstsVerdict } from '../../src/services/hsts/verdict'
import { invalidParameters } from '../../src/xo/errors'

function row(label: string, verdict: HstsVerdict, extra: Partial<HostHstsCheck> = {}): HstsRow {
  return {
    host: { id: `id-${label}`, label, address: `192.0.2.${label.length}`, poolId: 'p1', isMaster: false },
    ok: true,
    verdict,
    explanation: `${label} is ${verdict}`,
    xapi: { version: '26.1.3', supportsHsts: true },
    configured: { state: 'unknown', reason: 'test' },
    ...extra,
  }
}

const failed: HstsRow = {
  host: { id: 'id-x', label: 'x', address: '192.0.2.99', poolId: 'p1', isMaster: true },
  ok: false,
  error: { message: 'boom' },
}

describe('HSTS service parts', () => {
  describe('configured value from the files', () => {
    let root: string
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'hsts-conf-'))
      mkdirSync(join(root, 'etc', 'xapi.conf.d'), { recursive: true })
      writeFileSync(join(root, 'etc', 'xapi.conf'), '# stock\n')
    })
    afterEach(() => rmSync(root, { recursive: true, force: true }))

    const dropIn = (name: string, text: string) => writeFileSync(join(root, 'etc', 'xapi.conf.d', name), text)

    it("is XAPI's default (-1) when no file sets it", async () => {
      assert.deepEqual(configuredIn(await readLocalTree(root)), { state: 'read', maxAge: -1 })
    })

    it('is the last value in byte order, with its file', async () => {
      dropIn('hsts.conf', 'hsts_max_age = 600\n')
      dropIn('zz-xo-xapi-config.conf', 'hsts_max_age = 31536000 # one year\n')
      assert.deepEqual(configuredIn(await readLocalTree(root)), {
        state: 'read',
        maxAge: 31536000,
        file: '/etc/xapi.conf.d/zz-xo-xapi-config.conf',
      })
    })

    it('is unknown when the files would stop XAPI', async () => {
      dropIn('hsts.conf', 'hsts_max_age = 1y\n')
      const configured = configuredIn(await readLocalTree(root))
      assert.equal(configured.state, 'unknown')
    })
  })

  describe('reports', () => {
    it('counts verdicts per pool and fleet, lists hosts needing attention, most urgent first in summaries', () => {
      const read = { configured: { state: 'read' as const, maxAge: 600 } }
      const pool = poolReport({ id: 'p1', label: 'Pool 1' }, [row('a', 'ok', read), row('b', 'danger'), row('c', 'ok', read), failed])
      assert.equal(pool.summary, '4 hosts: 1 danger, 1 failed, 2 ok')
      const other = poolReport({ id: 'p2', label: 'Pool 2' }, [row('d', 'pending-restart')])
      const fleet = fleetReport([pool, other], [{ serverId: 's', address: '192.0.2.200', status: 'disconnected' }], {
        extraCertificates: 0,
        warnings: [],
      })
      assert.equal(fleet.summary, '2 pool(s), 5 hosts: 1 danger, 1 pending-restart, 1 failed, 2 ok; 1 pool(s) not connected')
      assert.deepEqual(fleet.verdicts, { ok: 2, danger: 1, failed: 1, 'pending-restart': 1 })
      assert.deepEqual(
        fleet.attention.map(entry => [entry.host.label, entry.verdict]),
        [
          ['b', 'danger'],
          ['x', 'failed'],
          ['d', 'pending-restart'],
        ]
      )
      assert.deepEqual(fleet.pendingRestartUnjudged, [])
    })

    it('lists the hosts whose verdict a pending restart could change but whose files are unknown', () => {
      const late = { configured: { state: 'unknown' as const, reason: 'still being read' } }
      const pool = poolReport({ id: 'p1', label: 'Pool 1' }, [row('a', 'ok', late), row('b', 'danger', late), row('c', 'off', late), row('e', 'ok')])
      const fleet = fleetReport([pool], [], { extraCertificates: 0, warnings: [] })
      assert.deepEqual(
        fleet.pendingRestartUnjudged.map(entry => [entry.host.label, entry.reason]),
        [
          ['a', 'still being read'],
          ['c', 'still being read'],
          ['e', 'test'],
        ]
      )
      assert.match(fleet.summary, /; pending restart not judged on 3 host\(s\)$/)
    })
  })

  describe('audit findings', () => {
    const desired = parseDesired([
      { pools: [], file: 'zz-xo-xapi-config.conf', settings: 'hsts_max_age = 31536000\n', expert: false, allowUntrustedCertificate: true },
      { pools: ['p2'], file: 'zzz-late.conf', settings: 'hsts_max_age = 0\n', expert: false },
      { pools: ['p2'], file: 'aa-early.conf', settings: 'hsts_max_age = 5\n', expert: false, allowUntrustedCertificate: true },
    ])

    it('takes the desired value of a pool as XAPI would: last file in byte order wins', () => {
      assert.equal(desiredMaxAge(desired, 'p1'), 31536000)
      assert.equal(desiredMaxAge(desired, 'p2'), 0)
      assert.equal(desiredMaxAge([], 'p1'), undefined)
    })

    it('reports danger always, and off only where the desired state turns HSTS on', () => {
      const report = fleetReport(
        [
          poolReport({ id: 'p1', label: 'Pool 1' }, [row('a', 'off'), row('b', 'danger'), row('c', 'ok')]),
          poolReport({ id: 'p2', label: 'Pool 2' }, [row('d', 'off')]),
        ],
        [],
        { extraCertificates: 0, warnings: [] }
      )
      const section = auditSection(report, desired)
      assert.deepEqual(
        section.findings.map(finding => [finding.host.label, finding.verdict, finding.desiredMaxAge]),
        [
          ['a', 'off', 31536000],
          ['b', 'danger', 31536000],
        ]
      )
      const calm = auditSection(fleetReport([poolReport({ id: 'p1', label: 'Pool 1' }, [row('c', 'ok')])], [], report.trustStore), [])
      assert.deepEqual(calm.findings, [])
    })
  })

  describe('setHsts guards', () => {
    it('writes max-age=0 for forgetFirst, and refuses forgetFirst with a max-age', () => {
      assert.equal(valueToWrite({ maxAge: null, forgetFirst: true }), 0)
      assert.equal(valueToWrite({ maxAge: null }), null)
      assert.equal(valueToWrite({ maxAge: 600 }), 600)
      assert.throws(() => valueToWrite({ maxAge: 600, forgetFirst: true }), (error: unknown) => invalidParameters.is(error))
    })

    it('names every host browsers would not trust, and why', () => {
      const certificate = (trusted: boolean) => ({
        subject: 'CN=h',
        issuer: 'CN=h',
        subjectAltNames: [],
        validFrom: '',
        validTo: '',
        fingerprintSha256: '',
        trusted,
        problems: trusted ? [] : [{ reason: 'self-signed' as const, detail: 'it is self-signed' }],
      })
      const rows = [
        row('good', 'off', { certificate: certificate(true) }),
        row('self', 'off', { certificate: certificate(false) }),
        row('down', 'unreachable', { error: { code: 'TIMEOUT', message: 'no answer' } }),
        failed,
      ]
      const untrusted = untrustedHosts(rows)
      assert.deepEqual(
        untrusted.map(({ host, why }) => [host.label, why]),
        [
          ['self', 'self-signed: it is self-signed'],
          ['down', 'its certificate could not be checked (no answer)'],
          ['x', 'the check failed (boom)'],
        ]
      )
      assert.match(lockoutMessage(untrusted[0].why), /lock browsers out .*\(self-signed: it is self-signed\).*allowUntrustedCertificate: true/)
    })

    it('tells the admin what comes next', () => {
      assert.match(nextStepAfter(0, { forgetFirst: true, restart: true })!, /call setHsts with maxAge: null/)
      assert.match(nextStepAfter(null, { restart: false })!, /^Restart the toolstack.*forgetFirst/)
      assert.equal(nextStepAfter(600, { restart: true }), undefined)
    })
  })
})
