// checkHsts and setHsts end to end: the built plugin in the XO harness, against a 2-pool lab whose hosts
// have every kind of certificate and a mix of hsts_max_age values. curl is the referee for the header.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import { createHarness, type Harness } from '../harness'
import { startLab, type Lab, type LabHost } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'

const run = promisify(execFile)
const HTTPS_TIMEOUT_S = 3

interface HostSetup {
  label: string
  certificate: 'self-signed' | 'ca-signed' | 'expired' | 'wrong-name'
  release?: '8.2' | '8.3'
  webserverDisabled?: boolean
  /** hsts_max_age written in a drop-in before XAPI restarts; none: the key is not set. */
  maxAge?: number
  /** Written after the restart, so XAPI still runs with the previous value. */
  maxAgeAfterRestart?: number
  verdict: string
}

const POOLS: HostSetup[][] = [
  [
    { label: 'a1', certificate: 'ca-signed', maxAge: 31536000, verdict: 'ok' },
    { label: 'a2', certificate: 'self-signed', maxAge: 600, verdict: 'danger' },
    { label: 'a3', certificate: 'expired', maxAge: 0, verdict: 'expiring' },
    { label: 'a4', certificate: 'ca-signed', verdict: 'off' },
  ],
  [
    { label: 'b1', certificate: 'ca-signed', maxAgeAfterRestart: 600, verdict: 'pending-restart' },
    { label: 'b2', certificate: 'wrong-name', maxAge: 600, verdict: 'danger' },
    { label: 'b3', certificate: 'ca-signed', release: '8.2', maxAge: 600, verdict: 'unsupported' },
    { label: 'b4', certificate: 'ca-signed', webserverDisabled: true, verdict: 'not-applicable' },
  ],
]

/** What curl shows, as the check does it: `curl -sk -D- https://ADDRESS/ -o /dev/null`. */
async function curlStsHeaders(address: string): Promise<string[]> {
  const { stdout } = await run('curl', ['-sk', '-D-', `https://${address}/`, '-o', '/dev/null'])
  return [...stdout.matchAll(/^strict-transport-security:[ \t]*(.*?)\r?$/gim)].map(match => match[1])
}

describe('HSTS across pools (harness + lab)', function () {
  this.timeout(240_000)
  let lab: Lab
  let harness: Harness
  let pluginId: string
  const setupOf = new Map<string, HostSetup>()
  const hostByLabel = new Map<string, LabHost>()

  const onHost = async (host: LabHost, command: string) => {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
  }
  const writeMaxAge = (host: LabHost, maxAge: number) =>
    onHost(host, `printf 'hsts_max_age = ${maxAge}\\n' > /etc/xapi.conf.d/hsts.conf`)
  const checkHsts = (params: Record<string, unknown> = {}) => harness.call('xapiConfig.checkHsts', params)
  const rowsOf = (report: any): any[] => report.pools.flatMap((pool: any) => pool.hosts)
  const rowOf = (report: any, label: string) => rowsOf(report).find(row => row.host.id === hostByLabel.get(label)!.uuid)

  before(async function () {
    lab = await startLab({
      pools: POOLS.map(hosts => ({
        hosts: hosts.map(({ certificate, release, webserverDisabled }) => ({ certificate, release, webserverDisabled })),
      })),
    })
    lab.pools.forEach((pool, p) =>
      pool.hosts.forEach((host, h) => {
        setupOf.set(host.uuid, POOLS[p][h])
        hostByLabel.set(POOLS[p][h].label, host)
      })
    )
    for (const host of lab.hosts) {
      const { maxAge } = setupOf.get(host.uuid)!
      if (maxAge !== undefined) {
        await writeMaxAge(host, maxAge)
        assert.equal((await lab.controls.xapi.restartHost(host.uuid)).state, 'up')
      }
    }
    for (const host of lab.hosts) {
      const { maxAgeAfterRestart } = setupOf.get(host.uuid)!
      if (maxAgeAfterRestart !== undefined) {
        await writeMaxAge(host, maxAgeAfterRestart)
      }
    }
    harness = await createHarness({
      pools: lab.pools.map(pool => ({ ...pool.xapi, label: pool.name_label, allowUnauthorized: true })),
    })
    ;({ id: pluginId } = await harness.loadPlugin(undefined, {
      ssh: { authentication: 'password', password: lab.hosts[0].ssh.password },
      trustedCertificates: lab.caCertificate,
      timeouts: { https: HTTPS_TIMEOUT_S },
    }))
  })

  after(async function () {
    await harness?.stop()
    await lab?.stop()
  })

  it('gives the expected verdict to every host, and agrees with curl on every header', async function () {
    const report = await checkHsts({ waitForFiles: true }) // every verdict, however slow the first SSH logins are here
    const rows = rowsOf(report)
    assert.equal(rows.length, lab.hosts.length)
    for (const host of lab.hosts) {
      const setup = setupOf.get(host.uuid)!
      const row = rowOf(report, setup.label)
      assert.equal(row.ok, true, JSON.stringify(row))
      assert.equal(row.verdict, setup.verdict, `${setup.label}: ${row.explanation}`)
      const expected = await curlStsHeaders(host.address)
      assert.deepEqual(row.header.state === 'absent' ? [] : row.header.received, expected, `${setup.label}: header`)
    }
    assert.deepEqual(rowOf(report, 'a1').header.policy, { maxAge: 31536000, includeSubDomains: false, preload: false })
    assert.deepEqual(rowOf(report, 'a1').configured, { state: 'read', maxAge: 31536000, file: '/etc/xapi.conf.d/hsts.conf' })
    assert.equal(rowOf(report, 'a1').certificate.trusted, true)
    assert.deepEqual(rowOf(report, 'a2').certificate.problems.map((p: any) => p.reason), ['self-signed'])
    assert.deepEqual(rowOf(report, 'a3').certificate.problems.map((p: any) => p.reason), ['expired'])
    assert.deepEqual(rowOf(report, 'b2').certificate.problems.map((p: any) => p.reason), ['name-mismatch'])
    assert.match(rowOf(report, 'b1').explanation, /asks for max-age=600 but XAPI sends no header/)
    assert.equal(rowOf(report, 'b1').configuredMatches, false)
    assert.equal(rowOf(report, 'a2').configuredMatches, true)
    assert.equal(rowOf(report, 'b3').xapi.supportsHsts, false)
    assert.deepEqual(report.verdicts, { ok: 1, danger: 2, expiring: 1, off: 1, 'pending-restart': 1, unsupported: 1, 'not-applicable': 1 })
    assert.deepEqual(
      report.attention.map((entry: any) => entry.host.label).sort(),
      [hostByLabel.get('a2')!, hostByLabel.get('b1')!, hostByLabel.get('b2')!].map(host => host.name_label).sort()
    )
  })

  it('still judges the header and certificate of hosts whose SSH is down, and says whose pending restart is unjudged', async function () {
    const [a1, a2] = [hostByLabel.get('a1')!, hostByLabel.get('a2')!]
    await Promise.all([a1, a2].map(host => lab.controls.stopSsh(host.uuid)))
    // A reload drops the SSH connections the plugin keeps open, which a stopped listener does not end.
    await harness.call('plugin.unload', { id: pluginId })
    await harness.call('plugin.load', { id: pluginId })
    try {
      const report = await checkHsts({ hosts: [a1.uuid, a2.uuid] })
      const danger = rowOf(report, 'a2')
      assert.equal(danger.verdict, 'danger')
      assert.equal(danger.configured.state, 'unknown')
      assert.equal(danger.header.policy.maxAge, 600)
      assert.equal(danger.certificate.trusted, false)
      const ok = rowOf(report, 'a1')
      assert.equal(ok.verdict, 'ok')
      assert.match(ok.configured.reason, /could not be read over SSH/)
      assert.deepEqual(report.pendingRestartUnjudged.map((entry: any) => entry.host.id), [a1.uuid])
      assert.match(report.summary, /pending restart not judged on 1 host/)
    } finally {
      await Promise.all([a1, a2].map(host => lab.controls.startSsh(host.uuid)))
    }
  })

  it('reports hosts whose XAPI is down or hangs as unreachable within the timeout, and checks the others', async function () {
    const [down, hanging] = [hostByLabel.get('b2')!, hostByLabel.get('b3')!]
    await lab.controls.xapi.stopXapi(down.uuid)
    lab.controls.xapi.setSlow(hanging.uuid, 30_000)
    try {
      const started = Date.now()
      const report = await checkHsts({ pools: [lab.pools[1].uuid] })
      const elapsed = Date.now() - started
      assert.ok(elapsed < (HTTPS_TIMEOUT_S + 5) * 1000, `took ${elapsed} ms`)
      assert.equal(rowOf(report, 'b2').verdict, 'unreachable')
      assert.equal(rowOf(report, 'b2').error.code, 'REFUSED')
      assert.equal(rowOf(report, 'b3').verdict, 'unreachable')
      assert.equal(rowOf(report, 'b3').error.code, 'TIMEOUT')
      assert.equal(rowOf(report, 'b1').verdict, 'pending-restart')
      assert.equal(rowOf(report, 'b4').verdict, 'not-applicable')
    } finally {
      lab.controls.xapi.setSlow(hanging.uuid, 0)
      await lab.controls.xapi.startXapi(down.uuid)
    }
  })

  it('refuses to turn HSTS on where browsers would not trust the certificate, naming the hosts', async function () {
    const pool = lab.pools[0].uuid
    await assert.rejects(checkHsts({ pools: [pool], hosts: [lab.hosts[0].uuid] }), { code: 10 })
    await assert.rejects(harness.call('xapiConfig.setHsts', { pool, maxAge: 86400 }), (error: any) => {
      assert.equal(error.code, 5) // forbiddenOperation
      const reason = String(error.data.reason)
      for (const label of ['a2', 'a3']) {
        assert.ok(reason.includes(hostByLabel.get(label)!.name_label), `${label} named in: ${reason}`)
      }
      assert.doesNotMatch(reason, new RegExp(hostByLabel.get('a1')!.name_label))
      return true
    })
  })

  it('sets max-age pool-wide with a restart, then forgets it and removes it; verdicts follow', async function () {
    const pool = lab.pools[0].uuid
    const labels = ['a1', 'a2', 'a3', 'a4']
    const expectEveryHost = async (report: any, header: string[], verdicts: string[]) => {
      for (const [index, label] of labels.entries()) {
        const row = rowOf(report, label)
        assert.equal(row.verdict, verdicts[index], `${label}: ${row.explanation}`)
        assert.deepEqual(await curlStsHeaders(hostByLabel.get(label)!.address), header, `${label}: curl`)
      }
    }

    // The hand-written drop-in of the setup would take over again once the managed value is removed.
    for (const label of labels) {
      await onHost(hostByLabel.get(label)!, 'rm -f /etc/xapi.conf.d/hsts.conf')
    }
    const enabled = await harness.call('xapiConfig.setHsts', { pool, maxAge: 86400, allowUntrustedCertificate: true, restart: true })
    assert.deepEqual(
      enabled.untrustedAccepted.map((entry: any) => entry.host.id).sort(),
      ['a2', 'a3'].map(label => hostByLabel.get(label)!.uuid).sort()
    )
    await expectEveryHost({ pools: [enabled.after] }, ['max-age=86400'], ['ok', 'danger', 'danger', 'ok'])

    const forgetting = await harness.call('xapiConfig.setHsts', { pool, maxAge: null, forgetFirst: true, restart: true })
    assert.equal(forgetting.hstsMaxAge, 0)
    assert.match(forgetting.nextStep, /call setHsts with maxAge: null/)
    await expectEveryHost(await checkHsts({ pools: [pool] }), ['max-age=0'], ['expiring', 'expiring', 'expiring', 'expiring'])

    const removed = await harness.call('xapiConfig.setHsts', { pool, maxAge: null, restart: true })
    assert.equal(removed.hstsMaxAge, null)
    await expectEveryHost({ pools: [removed.after] }, [], ['off', 'off', 'off', 'off'])
  })
})
