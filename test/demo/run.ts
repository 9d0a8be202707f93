// `npm run demo`: the plugin's real work on a lab of 2 pools × 3 hosts, through the XO harness that
// loads the built plugin exactly as xo-server does. Pool A has self-signed certificates (as fresh XCP-ng
// hosts), a host whose drop-ins drifted and a running VM export; pool B has certificates signed by a CA
// the settings trust. The lab is stopped at the end, even on failure.
import { join, relative } from 'node:path'

import type { Harness } from '../harness'
import { HARDENED_SSH, type Lab, type LabHost } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { PLUGIN_ID, startPluginLab } from '../support/plugin-lab'
import { routeWarningsTo } from './library-log'
import { heading, indent, table } from './table'

const TASK_TIMEOUT = 172800 // 48 h, the value the XCP-ng docs suggest

const libraryLog = routeWarningsTo(join(__dirname, '..', '..', 'demo.log'))

async function main(): Promise<void> {
  console.log('Starting a lab of 2 pools × 3 hosts (OpenSSH, XAPI and HTTPS per host)…')
  const started = Date.now()
  const caSigned = { certificate: 'ca-signed' } as const
  // Pool B's third host is hardened: SSH disabled, auto mode on, as XenServer 9 ships.
  const hardened = { ...caSigned, ssh: HARDENED_SSH }
  const fleet = await startPluginLab({ pools: [{ hosts: 3 }, { hosts: [caSigned, caSigned, hardened] }] }, {})
  try {
    const { lab, harness } = fleet
    console.log(`Lab up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${lab.hosts.map(host => host.address).join(', ')}`)
    await prepare(lab, harness)
    await walkThrough(lab, harness)
  } finally {
    await fleet.stop()
    console.log('\nLab stopped.')
    if (libraryLog.count() > 0) {
      console.log(`${libraryLog.count()} message(s) of the XAPI client (reconnecting while hosts restarted) are in ${relative(process.cwd(), libraryLog.path)}.`)
    }
  }
}

/** Pool A: a host whose drop-ins drifted, a VM export running; the settings: the lab CA, a desired drop-in. */
async function prepare(lab: Lab, harness: Harness): Promise<void> {
  const [poolA] = lab.pools
  const drifted = poolA.hosts[2]
  await onHost(lab, drifted, "printf 'pending_task_timeout = 3600\\n' > /etc/xapi.conf.d/90-tuning.conf")
  await lab.controls.xapi.restartHost(drifted.uuid)
  await lab.controls.xapi.createTask(poolA.uuid, { name_label: '[XO] VM export', hostUuid: poolA.hosts[1].uuid, progress: 0.42, mode: 'moving' })

  const { username, password } = lab.hosts[0].ssh
  await harness.call('plugin.configure', {
    id: PLUGIN_ID,
    configuration: {
      ssh: { authentication: 'password', username, password },
      trustedCertificates: lab.caCertificate,
      desired: [{ pools: [poolA.uuid], settings: `pending_task_timeout = ${TASK_TIMEOUT}\n` }],
      sshThroughXapi: { enableWhenDisabled: true },
      audit: { paused: true },
    },
  })
  console.log(
    'Plugin loaded into the XO harness (settings: SSH password, the lab CA trusted, desired drop-in for pool A, ' +
      "SSH of hardened hosts enabled through XAPI for each operation)."
  )
}

async function walkThrough(lab: Lab, harness: Harness): Promise<void> {
  const call = (method: string, params: Record<string, unknown> = {}) => harness.call(`xapiConfig.${method}`, params)
  const label = hostLabels(lab)
  const [poolA] = lab.pools

  console.log(heading(1, 'Fleet HSTS check (GET / over HTTPS on every host)'))
  printHsts(await call('checkHsts'), label)

  console.log(heading(2, 'Enable HSTS: refused on self-signed hosts, done on the CA-signed pool'))
  const [, poolB] = lab.pools
  try {
    await call('setHsts', { pool: poolA.uuid, maxAge: 31536000 })
    console.log('   unexpected: HSTS was enabled on self-signed hosts')
  } catch (error) {
    console.log(`   ${poolA.name_label}: refused: ${reasonOf(error)}`)
  }
  const hsts: any = await call('setHsts', { pool: poolB.uuid, maxAge: 31536000, restart: true })
  console.log(`   ${poolB.name_label}: hsts_max_age = 31536000 written on every host, toolstack restarted host by host`)
  for (const opened of hsts.sshOpened ?? []) {
    console.log(`   ${label(opened.host.id)}: SSH was disabled, enabled through XAPI for the call, ${opened.restored ? 'put back as it was' : `NOT put back: ${opened.error}`}`)
  }
  printHsts(await call('checkHsts', { pools: [poolB.uuid] }), label)


  console.log(heading(3, 'Configuration audit: startup prediction, files, drift, desired state'))
  await printAudit(await call('audit'), label)

  console.log(heading(4, `Plan pending_task_timeout = ${TASK_TIMEOUT} on ${poolA.name_label} (writes nothing)`))
  const plan = await call('plan', { pool: poolA.uuid, settings: { pending_task_timeout: TASK_TIMEOUT } })
  console.log(
    table(
      ['host', 'changes', 'effective before → after', 'XAPI after', 'warnings'],
      plan.hosts.map((row: any) => [
        label(row.host.id),
        row.changed ? 'yes' : 'no',
        `${row.effective.before.pending_task_timeout?.display} → ${row.effective.after.pending_task_timeout?.display}`,
        row.startup.after.outcome,
        String(row.warnings.length),
      ])
    )
  )
  console.log(indent(plan.hosts[0].diff.trim()))

  console.log(heading(5, 'Apply it to every host of the pool, all or nothing'))
  const applied = await call('apply', { pool: poolA.uuid, settings: { pending_task_timeout: TASK_TIMEOUT } })
  console.log(`   change ${applied.changeId}: ${applied.outcome} on ${applied.hosts.length} hosts (journaled; revert with xapiConfig.revert)`)

  console.log(heading(6, 'Restart the toolstack: refused while a VM export runs'))
  try {
    await call('restartToolstack', { pool: poolA.uuid, timeout: 60 })
    console.log('   unexpected: the restart was not refused')
  } catch (error) {
    console.log(`   refused: ${reasonOf(error)}`)
  }

  console.log(heading(7, 'Restart again, knowingly bypassing the task check (members first, master last)'))
  const report = await call('restartToolstack', { pool: poolA.uuid, bypassTaskCheck: true, timeout: 60 })
  console.log(
    table(
      ['host', 'outcome', 'duration'],
      report.hosts.map((row: any) => [label(row.host.id), row.outcome, row.durationMs === undefined ? '-' : `${(row.durationMs / 1000).toFixed(1)} s`])
    )
  )
  console.log(`   mode ${report.mode}, ${report.ok ? 'every host is back' : 'stopped on a failure'}`)

  await rollOut(lab, call, label)

  console.log(heading(9, 'Final audit'))
  await printAudit(await call('audit'), label)
}

/** A fleet rollout over both pools: the preview, then the canary and the wave, restarts included. */
async function rollOut(lab: Lab, call: (method: string, params?: Record<string, unknown>) => Promise<any>, label: (id: string) => string): Promise<void> {
  const change = { apply: { file: 'zz-xo-fleet.conf', settings: { completed_task_timeout: 7200 } } }
  const pools = lab.pools.map(pool => pool.uuid)
  const poolLabel = (id: string) => lab.pools.find(pool => pool.uuid === id)?.name_label ?? id
  console.log(heading(8, 'Fleet rollout: completed_task_timeout = 7200 on both pools, canary first'))
  const preview = await call('rollout', { change, pools, canary: pools[1], preview: true })
  console.log(`   preview (writes nothing): ${preview.waves.map((wave: any[], index: number) => `${index === 0 ? 'canary' : `wave ${index}`} ${wave.map(pool => pool.label).join(', ')}`).join(' → ')}`)
  for (const row of preview.pools) {
    console.log(`   ${row.pool.label}: would ${row.would} (${row.hosts.length} hosts change, ${row.risks.length} risks, ${row.blockers.length} blockers)`)
  }
  const result = await call('rollout', { change, pools, canary: pools[1] })
  console.log(
    table(
      ['pool', 'wave', 'state', 'hosts restarted'],
      result.pools.map((row: any) => [row.pool.label, row.wave === 0 ? 'canary' : String(row.wave), row.state, (row.written?.hosts ?? []).map(label).join(', ')])
    )
  )
  console.log(`   rollout ${result.rolloutId}: ${result.status}; restarted: ${result.summary.restarted.map(poolLabel).join(', ')}; not reached: ${result.summary.notReached.length}`)
}

function printHsts(hsts: any, label: (id: string) => string): void {
  console.log(
    table(
      ['host', 'pool', 'certificate', 'header', 'verdict'],
      hsts.pools.flatMap((pool: any) =>
        pool.hosts.map((row: any) => [
          label(row.host.id),
          pool.label,
          row.ok ? (row.certificate?.trusted ? 'trusted' : (row.certificate?.problems ?? []).map((p: any) => p.reason).join(', ')) : '-',
          row.ok ? (row.header?.received?.[0] ?? '(none)') : '-',
          row.ok ? row.verdict : `failed: ${row.error.message}`,
        ])
      )
    )
  )
  console.log(`   ${hsts.summary}`)
}

async function printAudit(audit: any, label: (id: string) => string): Promise<void> {
  for (const pool of audit.pools) {
    console.log(`\n   ${pool.pool.label}: ${pool.summary.hosts} hosts, ${pool.summary.driftingKeys} drifting key(s), ${pool.summary.nonCompliant} not compliant`)
    console.log(
      indent(
        table(
          ['host', 'XAPI would', 'drop-ins (owner)', 'desired state'],
          pool.hosts.map((row: any) =>
            row.ok
              ? [
                  label(row.host.id),
                  row.outcome,
                  row.files.map((file: any) => `${file.name} (${file.owner})`).join(', '),
                  row.desired.map((entry: any) => `${entry.file}: ${entry.status}`).join('; ') || '(none)',
                ]
              : [label(row.host.id), 'unreachable', row.error.message, '']
          )
        )
      )
    )
    console.log(
      indent(
        table(
          ['host', 'SSH', 'XAPI closes it', 'auto mode', 'console idle timeout'],
          pool.ssh.map((row: any) =>
            row.enabled === undefined
              ? [label(row.host.id), row.note ?? '-', '', '', '']
              : [
                  label(row.host.id),
                  row.enabled ? (row.openWithoutTimeout ? 'enabled, no timeout' : 'enabled') : 'disabled',
                  row.expiry ?? (row.enabledTimeout === 0 ? 'never' : `${row.enabledTimeout} s after enable`),
                  row.autoMode === undefined ? '-' : row.autoMode ? 'on' : 'off',
                  row.consoleIdleTimeout ? `${row.consoleIdleTimeout} s` : 'none',
                ]
          )
        )
      )
    )
    console.log(`   SSH open without a timeout: ${pool.summary.sshOpenWithoutTimeout} host(s)`)
    for (const drift of pool.drift) {
      console.log(`   drift ${drift.key}: ${drift.values.map((entry: any) => `${label(entry.hostId)}=${entry.display}`).join(', ')}`)
    }
  }
}

/** xo-common errors carry the why in `data.reason` (forbiddenOperation) and a short message. */
function reasonOf(error: unknown): string {
  const { message, data } = error as Error & { data?: { reason?: string } }
  return data?.reason ?? message
}

function hostLabels(lab: Lab): (id: string) => string {
  const names = new Map(lab.hosts.map(host => [host.uuid, `${host.name_label}${host.isMaster ? '*' : ''}`]))
  return id => names.get(id) ?? id
}

async function onHost(lab: Lab, host: LabHost, command: string): Promise<void> {
  const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
  if (result.code !== 0) {
    throw new Error(`${command} on ${host.address}: ${result.stderr}`)
  }
}

// The XAPI clients' reconnection loops would outlive the lab: end the process once the demo is done.
main().then(
  () => process.exit(0),
  error => {
    console.error(error)
    process.exit(1)
  }
)
