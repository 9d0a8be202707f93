import assert from 'node:assert/strict'
import { deliver, type DeliveryOptions } from '../../src/services/alerts/deliver'
import { assess } from '../../src/services/alerts/findings'
import { chatText, emailMarkdown, icingaText, nagiosText, LIMITS } from '../../src/services/alerts/messages'
import { parseSettings } from '../../src/settings/settings'
import type { XoApp } from '../../src/xo/types'
import { facts, type HostSpec, type PoolSpec } from './fixtures'

const pool = (id: string, hosts: HostSpec[]): PoolSpec => ({ id, label: `Pool ${id}`, hosts })
const calm = (label: string): HostSpec => ({ label, hsts: 'ok' })

describe('alerts: the fleet status of an audit', () => {
  const cases: Array<[string, HostSpec[], string, string[]]> = [
    ['every host fine (HSTS ok, off, unsupported, not-applicable)', [calm('a'), { label: 'b' }, { label: 'c', hsts: 'unsupported' }, { label: 'd', hsts: 'not-applicable' }], 'OK', []],
    ['drift between two hosts', [{ label: 'a', taskTimeout: '7200.' }, calm('b')], 'WARNING', ['drift']],
    ['a host without the desired file', [{ label: 'a', missing: true }, calm('b')], 'WARNING', ['non-compliant']],
    ['HSTS expiring', [{ label: 'a', hsts: 'expiring' }], 'WARNING', ['hsts-expiring']],
    ['HSTS pending restart', [{ label: 'a', hsts: 'pending-restart' }], 'WARNING', ['hsts-pending-restart']],
    ['a host not reached', [{ label: 'a', unreachable: true }, calm('b')], 'WARNING', ['unreachable', 'hsts-failed']],
    ['a host whose XAPI would not start', [{ label: 'a', wouldNotStart: true }, { label: 'b', taskTimeout: '7200.' }], 'CRITICAL', ['would-not-start', 'drift']],
    ['HSTS danger', [{ label: 'a', hsts: 'danger' }, { label: 'b', hsts: 'expiring' }], 'CRITICAL', ['hsts-danger', 'hsts-expiring']],
  ]
  for (const [what, hosts, status, kinds] of cases) {
    it(`${status} for ${what}`, () => {
      const assessment = assess(facts([pool('p', hosts)]))
      assert.equal(assessment.status, status)
      assert.deepEqual(assessment.findings.map(finding => finding.kind).sort(), [...kinds].sort())
      assert.equal(assessment.pools[0].status, status)
    })
  }

  it('off is a WARNING only where the desired drop-ins set HSTS', () => {
    assert.equal(assess(facts([pool('p', [{ label: 'a' }])], { offWhereDesired: ['a'] })).status, 'WARNING')
    assert.equal(assess(facts([pool('p', [{ label: 'a' }])])).status, 'OK')
  })

  it('a part of the audit that failed is a WARNING, not a silent OK', () => {
    const base = facts([pool('p', [calm('a')])])
    assert.equal(assess({ ...base, hsts: { error: 'timeout' } }).status, 'WARNING')
    assert.equal(assess({ ...base, fleet: { error: 'no SSH' } }).status, 'WARNING')
  })
})

describe('alerts: messages', () => {
  const message = (pools: PoolSpec[]) => ({ startedAt: '2026-12-04T03:00:00.000Z', assessment: assess(facts(pools)) })

  it('e-mail: a table row per pool, worst first, and a section per kind of problem', () => {
    const markdown = emailMarkdown(message([pool('ok', [calm('x')]), pool('bad', [{ label: 'a', wouldNotStart: true }, { label: 'b', missing: true, hsts: 'expiring' }])]))
    const rows = markdown.split('\n').filter(line => /^\| Pool \w+ \|/.test(line))
    assert.deepEqual(rows, ['| Pool bad | CRITICAL | 2 | 1 | 0 | 0 | 1 | 1 expiring, 1 off |', '| Pool ok | OK | 1 | 0 | 0 | 0 | 0 | 1 ok |'])
    assert.match(markdown, /\*\*Status: CRITICAL\*\*: 2 pools, 3 hosts; 1 would not start, 1 non-compliant, 1 HSTS expiring/)
    assert.match(markdown, /## XAPI would not start\n\n- \*\*a\*\* \(Pool bad\): \/etc\/xapi\.conf\.d\/bad\.conf:1: pending_task_timeout = 48h is not a number: XAPI exits with status 1\./)
    assert.match(markdown, /- \*\*b\*\* \(Pool bad\): zz-xo-xapi-config\.conf: missing: the file is gone .*`pending_task_timeout`: absent, desired 172800 \(48 h\)/)
    assert.match(markdown, /Automatic re-apply is off/)
  })

  it('escapes labels and host texts: no HTML or table break from a pool name', () => {
    const markdown = emailMarkdown(message([pool('p', [{ label: '<img src=x onerror=alert(1)>|*', wouldNotStart: true }])]))
    assert.doesNotMatch(markdown, /<img/)
    assert.match(markdown, /\*\*&lt;img src=x onerror=alert\(1\)&gt;\\\|\\\*\*\*/)
    const slack = chatText(message([{ id: 'p', label: '<!channel>', hosts: [{ label: 'a', wouldNotStart: true }] }]), 'slack')
    assert.doesNotMatch(slack, /<!channel>/)
  })

  it('a 300-host fleet with a problem on every host stays small on every transport', () => {
    const pools = Array.from({ length: 30 }, (_, p) =>
      pool(`p${p}`, Array.from({ length: 10 }, (_, h) => ({ label: `host-${p}-${h}-${'x'.repeat(40)}`, missing: true, hsts: 'expiring' as const, taskTimeout: `${h}.` })))
    )
    const fleet = message(pools)
    assert.equal(fleet.assessment.findings.length, 30 + 300 + 300)
    const slack = chatText(fleet, 'slack')
    assert.ok(slack.length <= LIMITS.chatChars, `${slack.length} characters`)
    assert.match(slack, /… and 20 more pools/)
    assert.match(slack, /… and 620 more/)
    const nagios = nagiosText(fleet)
    assert.ok(Buffer.byteLength(nagios) <= LIMITS.nagiosBytes && /^[ -~]+$/.test(nagios), nagios)
    assert.ok(icingaText(fleet).length <= LIMITS.icingaChars)
    const markdown = emailMarkdown(fleet)
    assert.ok(markdown.length < 200_000, `${markdown.length} characters`)
    assert.match(markdown, /- … and 250 more/)
    assert.equal(markdown.split('\n').filter(line => line.startsWith('| Pool p')).length, 30)
  })

  it('Nagios gets one ASCII line: no line break, no byte NSCA would mangle', () => {
    const text = nagiosText(message([pool('p', [{ label: 'hôte\nété', wouldNotStart: true }])]))
    assert.equal(text, 'XAPI configuration audit CRITICAL: 1 pool, 1 host; 1 would not start')
    const icinga = icingaText(message([pool('p', [{ label: 'hôte\nété', wouldNotStart: true }])])).split('\n')
    assert.equal(icinga[0], text)
    assert.match(icinga.at(-1)!, /^- would not start: hôte été: \/etc\/xapi\.conf\.d\/bad\.conf:1: /)
  })
})

describe('alerts: delivery', () => {
  type Call = [string, ...unknown[]]

  function fakeXo(methods: string[], behaviour: Record<string, () => unknown> = {}) {
    const calls: Call[] = []
    const xo: Record<string, unknown> = {}
    for (const method of methods) {
      xo[method] = (...args: unknown[]) => {
        calls.push([method, ...args])
        return (behaviour[method] ?? (() => Promise.resolve()))()
      }
    }
    return { xo: xo as unknown as XoApp, calls }
  }

  const ALL = ['sendEmail', 'sendSlackMessage', 'sendToXmppClient', 'sendPassiveCheck', 'sendIcinga2Status']
  const audit = (extra: Record<string, unknown> = {}) =>
    parseSettings({ audit: { notify: ['ops@example.org'], xmpp: ['ops@chat.example.org'], slack: true, nagios: true, icinga2: true, ...extra } }).audit
  const report = (hosts: HostSpec[]) => ({ kind: 'report' as const, message: { startedAt: 'now', assessment: assess(facts([pool('p', hosts)])) } })
  const options = (xo: XoApp, extra: Partial<DeliveryOptions> = {}): DeliveryOptions => ({ xo, audit: audit(), timeoutMs: 5000, reportedMissing: new Set(), ...extra })

  it('all clear: only Nagios and Icinga2 (status 0 and OK), unless all-clear reports are on', async () => {
    const { xo, calls } = fakeXo(ALL)
    const deliveries = await deliver(report([calm('a')]), options(xo))
    assert.deepEqual(deliveries.map(delivery => [delivery.transport, delivery.outcome]), [['nagios', 'sent'], ['icinga2', 'sent']])
    assert.deepEqual(calls.map(call => call[0]), ['sendPassiveCheck', 'sendIcinga2Status'])
    assert.deepEqual(calls[0].slice(1), [{ message: 'XAPI configuration audit OK: 1 pool, 1 host; all clear', status: 0 }, 'xen-orchestra', 'xapi-config-audit'])
    assert.deepEqual(calls[1][1], { message: 'XAPI configuration audit OK: 1 pool, 1 host; all clear', status: 'OK' })

    const everything = fakeXo(ALL)
    await deliver(report([calm('a')]), options(everything.xo, { audit: audit({ allClear: true }) }))
    assert.equal(everything.calls.length, 5)
  })

  it('one transport throwing and one never answering hold up none of the others; errors carry no URL secret', async () => {
    const { xo, calls } = fakeXo(ALL, {
      sendSlackMessage: () => Promise.reject(new Error('POST https://hooks.slack.com/services/T000/B000/SECRET failed: 500')),
      sendIcinga2Status: () => new Promise(() => {}),
      sendToXmppClient: () => {
        throw new Error('not connected')
      },
    })
    const logged: string[] = []
    const deliveries = await deliver(report([{ label: 'a', hsts: 'danger' }]), options(xo, { timeoutMs: 200, log: message => logged.push(message) }))
    const outcomes = Object.fromEntries(deliveries.map(delivery => [delivery.transport, delivery.outcome]))
    assert.deepEqual(outcomes, { email: 'sent', slack: 'failed', xmpp: 'failed', nagios: 'sent', icinga2: 'failed' })
    assert.equal(calls.length, 5)
    const slack = deliveries.find(delivery => delivery.transport === 'slack')!
    assert.equal(slack.error, 'POST https://hooks.slack.com/… failed: 500')
    assert.match(deliveries.find(delivery => delivery.transport === 'icinga2')!.error!, /timed out/)
    assert.ok(logged.every(line => !line.includes('SECRET')), logged.join('\n'))
    const nagios = calls.find(call => call[0] === 'sendPassiveCheck')!
    assert.equal((nagios[1] as { status: number }).status, 2, 'CRITICAL')
  })

  it('a chosen transport whose plugin is not loaded is `missing`, logged once, and the others are sent', async () => {
    const { xo, calls } = fakeXo(['sendEmail', 'sendPassiveCheck'])
    const logged: string[] = []
    const shared = options(xo, { log: message => logged.push(message) })
    for (let run = 0; run < 2; run++) {
      const deliveries = await deliver(report([{ label: 'a', taskTimeout: '7200.' }, calm('b')]), shared)
      assert.deepEqual(
        deliveries.map(delivery => [delivery.transport, delivery.outcome]),
        [['email', 'sent'], ['slack', 'missing'], ['xmpp', 'missing'], ['nagios', 'sent'], ['icinga2', 'missing']]
      )
    }
    assert.equal(calls.length, 4)
    assert.equal(logged.length, 3)
    assert.match(logged[0], /transport-slack, not loaded/)
  })

  it('a run that failed: UNKNOWN to monitoring only', async () => {
    const { xo, calls } = fakeXo(ALL)
    await deliver({ kind: 'failure', text: 'XAPI configuration audit UNKNOWN: the audit could not run: boom' }, options(xo))
    assert.deepEqual(calls, [
      ['sendPassiveCheck', { message: 'XAPI configuration audit UNKNOWN: the audit could not run: boom', status: 3 }, 'xen-orchestra', 'xapi-config-audit'],
      ['sendIcinga2Status', { message: 'XAPI configuration audit UNKNOWN: the audit could not run: boom', status: 'UNKNOWN' }],
    ])
  })
})
