// What to tell an admin about a host whose XAPI did not come back: what its files predict (read again
// now: they may have changed since the preflight) and how to get the host back.
import { posix } from 'node:path'
import { isVendorDropIn } from '../dropins/names'
import type { HostTarget } from '../../xo/targets'
import { problemsText } from './preflight'
import type { Diagnosis, RestartReport, StartupPrediction } from './types'

const CONFIG_DIR = '/etc/xapi.conf.d'

/** `prediction` is undefined when the files could not be read; `readError` then says why. */
export function diagnose(host: HostTarget, prediction: StartupPrediction | undefined, readError?: string): Diagnosis {
  // Both commands work over SSH even while XO does not show the pool (its master down): see docs/safety.md.
  const again = `then restart it alone: \`xo-cli xapiConfig.restartToolstack hosts=json:'["${host.id}"]' mode=toolstack\``
  if (prediction === undefined) {
    return {
      advice: [
        `Its files could not be read (${readError ?? 'no SSH access'}): on the host, check /etc/xapi.conf and /etc/xapi.conf.d, ` +
          `and \`systemctl status xapi\`; ${again}.`,
      ],
    }
  }
  if (prediction.starts) {
    return {
      prediction,
      advice: [
        'Its files predict a normal start: XAPI may only be slow (give a longer `timeout`) or failing for another reason: ' +
          'on the host, `systemctl status xapi` and /var/log/xensource.log; a host disabled persistently is not enabled again.',
      ],
    }
  }
  const files = [...new Set(prediction.problems.map(problem => problem.file))]
  return {
    prediction,
    advice: [
      sentence(`Its files predict that XAPI cannot start${prediction.exitCode === undefined ? '' : ` (exit ${prediction.exitCode})`}: ${problemsText(prediction)}`),
      `Roll back by fixing or removing ${files.join(', ')}: \`xo-cli xapiConfig.revert changeId=…\` for a change made by this plugin, ` +
        removalCommands(host, files) +
        `or on the host itself; ${again}.`,
    ],
  }
}

/**
 * A drop-in the plugin may remove, whoever wrote it (`force=true`: the one that stops XAPI is often not
 * the plugin's); /etc/xapi.conf and the vendors' drop-ins are fixed on the host only.
 */
function removalCommands(host: HostTarget, files: string[]): string {
  const removable = files.filter(file => posix.dirname(file) === CONFIG_DIR && !isVendorDropIn(posix.basename(file)))
  return removable
    .map(file => `\`xo-cli xapiConfig.removeFile hosts=json:'["${host.id}"]' file=${posix.basename(file)} force=true\`, `)
    .join('')
}

/** One paragraph for the error message of a roll that stopped. */
export function summarizeFailure(report: RestartReport): string {
  const stopped = report.hosts.find(row => row.outcome === 'failed' || row.outcome === 'refused')
  const restarted = report.hosts.filter(row => row.outcome === 'restarted')
  const untouched = report.hosts.filter(row => row.outcome === 'notAttempted' || row.outcome === 'refused')
  const list = (rows: typeof restarted, withDuration: boolean) =>
    rows.length === 0
      ? 'none'
      : rows.map(row => (withDuration ? `${row.host.label} (${seconds(row.durationMs)})` : row.host.label)).join(', ')
  const where =
    stopped?.outcome === 'refused'
      ? `stopped before ${stopped.host.label}`
      : `stopped at ${stopped?.host.label ?? 'a host'} after ${seconds(stopped?.durationMs)}`
  return [
    sentence(`Toolstack restart of pool ${report.pool.label} ${where}: ${stopped?.error?.message ?? 'failed'}`),
    `Restarted: ${list(restarted, true)}. Not restarted: ${list(untouched, false)}.`,
    ...(stopped?.diagnosis?.advice ?? []),
  ].join(' ')
}

function sentence(text: string): string {
  return text.endsWith('.') ? text : `${text}.`
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`
}
