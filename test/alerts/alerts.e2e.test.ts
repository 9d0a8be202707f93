// The scheduled audit's alerts end to end: the built plugin in the XO harness, whose transport stand-ins
// record calls with xo-server's argument shapes, against a 2-pool lab where the tests make real drift,
// a drop-in XAPI would not start with, and HSTS on a host with a self-signed certificate.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { NagiosCall } from '../harness/transports'
import type { Lab, LabHost } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { captureCronJobs } from '../support/cron'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const CONF_DIR = '/etc/xapi.conf.d'
const AUDIT = {
  notify: ['ops@example.org'],
  xmpp: ['ops@chat.example.org'],
  slack: true,
  nagios: true,
  nagiosHost: 'xo-lab',
  icinga2: true,
}

describe('scheduled audit alerts on every transport (harness + lab)', function () {
  this.timeout(240_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let cron: ReturnType<typeof captureCronJobs>

  before(async function () {
    cron = captureCronJobs()
    fleet = await startPluginLab({ pools: 2, hostsPerPool: 2 }, { audit: AUDIT, timeouts: { alert: 2 } }, { transports: ['slack', 'xmpp', 'nagios', 'icinga2'] })
    ;({ lab, harness } = fleet)
  })

  after(async function () {
    await fleet?.stop()
    cron?.restore()
  })

  async function onHost(host: LabHost, command: string): Promise<void> {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
  }

  /** Runs the audit as its cron job would, and returns the calls each transport got during the run. */
  async function runAudit() {
    const { email, transports } = harness
    const from = { email: email.sent.length, slack: transports.slack.calls.length, xmpp: transports.xmpp.calls.length }
    const monitoring = { nagios: transports.nagios.calls.length, icinga2: transports.icinga2.calls.length }
    assert.ok(cron.jobs.length > 0, 'the plugin started its audit schedule')
    await cron.jobs.at(-1)!()
    return {
      email: email.sent.slice(from.email),
      slack: transports.slack.calls.slice(from.slack),
      xmpp: transports.xmpp.calls.slice(from.xmpp),
      nagios: transports.nagios.calls.slice(monitoring.nagios),
      icinga2: transports.icinga2.calls.slice(monitoring.icinga2),
    }
  }

  function assertNagios([call]: NagiosCall[], status: number, summary: RegExp) {
    assert.equal(call.status, status)
    assert.deepEqual([call.host, call.service], ['xo-lab', 'xapi-config-audit'])
    assert.match(call.message, summary)
    assert.ok(/^[ -~]{1,511}$/.test(call.message), `one ASCII line NSCA can carry: ${call.message}`)
  }

  it('OK fleet: only Nagios (0) and Icinga2 (OK) hear of it, so their check does not go stale', async function () {
    const calls = await runAudit()
    assert.deepEqual([calls.email, calls.slack, calls.xmpp], [[], [], []])
    assertNagios(calls.nagios, 0, /^XAPI configuration audit OK: 2 pools, 4 hosts; all clear$/)
    assert.deepEqual(calls.icinga2.map(call => [call.status, call.exit_status]), [['OK', 0]])
  })

  it('WARNING: drift between the hosts of a pool reaches every transport', async function () {
    const [a1, a2] = lab.pools[0].hosts
    await onHost(a1, `printf 'pending_task_timeout = 7200\\n' > ${CONF_DIR}/zz-local.conf`)
    try {
      const calls = await runAudit()
      assertNagios(calls.nagios, 1, /WARNING: 2 pools, 4 hosts; 1 drifting key\(s\)/)
      assert.deepEqual(calls.icinga2.map(call => [call.status, call.exit_status]), [['WARNING', 1]])
      const [mail] = calls.email
      assert.deepEqual([mail.to, mail.subject], [['ops@example.org'], '[Xen Orchestra] XAPI configuration audit: WARNING'])
      const poolA = lab.pools[0].name_label
      assert.match(mail.markdown!, new RegExp(`^\\| ${poolA} \\| WARNING \\| 2 \\| 0 \\| 0 \\| 1 \\| 0 \\| 2 off \\|$`, 'm'))
      assert.match(mail.markdown!, new RegExp(`## Drift between the hosts of a pool\\n\\n- \\*\\*${poolA}\\*\\*: \`pending_task_timeout\`: ${a1.name_label} = 7200 \\(2 h\\), ${a2.name_label} = 86400 \\(24 h\\) \\(default\\)`))
      assert.equal(calls.slack.length, 1)
      assert.match(calls.slack[0].message, /^\*XAPI configuration audit: WARNING\* \(/)
      assert.match(calls.slack[0].message, new RegExp(`${poolA}: WARNING: 1 drifting key\\(s\\)`))
      assert.deepEqual(calls.xmpp.map(call => call.to), [['ops@chat.example.org']])
      assert.match(calls.xmpp[0].message, /^XAPI configuration audit: WARNING \(/)
    } finally {
      await onHost(a1, `rm -f ${CONF_DIR}/zz-local.conf`)
    }
  })

  it('CRITICAL: a drop-in XAPI would not start with', async function () {
    const b1 = lab.pools[1].hosts[0]
    await onHost(b1, `mkdir ${CONF_DIR}/backup.d`)
    try {
      const calls = await runAudit()
      assertNagios(calls.nagios, 2, /CRITICAL: 2 pools, 4 hosts; 1 would not start/)
      assert.deepEqual(calls.icinga2.map(call => call.status), ['CRITICAL'])
      assert.match(calls.email[0].markdown!, new RegExp(`## XAPI would not start\\n\\n- \\*\\*${b1.name_label}\\*\\* \\(${lab.pools[1].name_label}\\): ${CONF_DIR}/backup\\.d is a directory: XAPI exits with status \\d\\. Move it out of ${CONF_DIR}\\.\\n`))
      assert.match(calls.slack[0].message, /would not start/)
    } finally {
      await onHost(b1, `rmdir ${CONF_DIR}/backup.d`)
    }
  })

  it('CRITICAL: HSTS on a host whose certificate browsers do not trust (danger)', async function () {
    const b2 = lab.pools[1].hosts[1]
    const setMaxAge = async (line: string) => {
      await onHost(b2, line)
      assert.equal((await lab.controls.xapi.restartHost(b2.uuid)).state, 'up')
    }
    await setMaxAge(`printf 'hsts_max_age = 600\\n' > ${CONF_DIR}/zz-hsts.conf`)
    try {
      const calls = await runAudit()
      assertNagios(calls.nagios, 2, /CRITICAL: .*1 HSTS danger/)
      assert.deepEqual(calls.icinga2.map(call => call.status), ['CRITICAL'])
      assert.match(calls.icinga2[0].message, new RegExp(`\\n- HSTS danger: ${b2.name_label}: \\(${b2.address.replace(/\./g, '\\.')}\\) Lockout risk`))
      assert.match(calls.email[0].markdown!, /## HSTS lockout risk \(`danger`\)/)
    } finally {
      await setMaxAge(`rm -f ${CONF_DIR}/zz-hsts.conf`)
    }
  })

  it('a chosen transport that is not loaded: reported once by the plugin test, never a failure of the audit', async function () {
    const { slack } = harness.transports
    slack.uninstall()
    try {
      const host = lab.pools[0].hosts[0].uuid
      await assert.rejects(harness.call('plugin.test', { id: PLUGIN_ID, data: { host } }), (error: Error) => {
        assert.equal(error.message.match(/transport-slack/g)?.length, 1, error.message)
        assert.match(error.message, /works; the scheduled audit sends alerts through transport-slack, not loaded/)
        return true
      })
      await onHost(lab.pools[0].hosts[0], `printf 'pending_task_timeout = 7200\\n' > ${CONF_DIR}/zz-local.conf`)
      const calls = await runAudit()
      assert.deepEqual([calls.email.length, calls.xmpp.length, calls.nagios.length, calls.icinga2.length], [1, 1, 1, 1])
      assert.equal('sendSlackMessage' in harness.xo, false)
    } finally {
      slack.install(harness.defineProperty)
    }
    await harness.call('plugin.test', { id: PLUGIN_ID, data: { host: lab.pools[0].hosts[0].uuid } })
  })

  it('a transport that throws and one that never answers hold up none of the others', async function () {
    const { slack, icinga2 } = harness.transports
    slack.failWith(new Error('webhook answered 500'))
    icinga2.hang()
    try {
      const calls = await runAudit() // icinga2's timeout (timeouts.alert: 2 s) ends it
      assert.deepEqual([calls.email.length, calls.xmpp.length, calls.nagios.length], [1, 1, 1])
      assert.deepEqual([calls.slack.length, calls.icinga2.length], [0, 0])
      assert.equal(calls.nagios[0].status, 1)
    } finally {
      slack.failWith(undefined)
      icinga2.hang(false)
      await onHost(lab.pools[0].hosts[0], `rm -f ${CONF_DIR}/zz-local.conf`)
    }
    const calm = await runAudit()
    assert.deepEqual(calm.icinga2.map(call => call.status), ['OK'])
  })
})
