// The rules of the change gate that one host's files decide, without the network: checked in every
// preview (so `plan` shows them) and enforced by the gate before any write. Whatever method or setting
// asks for the change, its target file on each host must be a file XAPI reads from the plugin's
// directory, within the size limits, hold only values the catalog accepts for that host's XAPI, and
// leave XAPI able to start.
import {
  MAX_FILE_BYTES,
  MAX_LINE_BYTES,
  parseFile,
  quoteShort,
  validateChange,
  type ConfTree,
  type LintReport,
} from '../../conf'
import type { HostTarget } from '../../xo/targets'
import { CONF_DIR } from '../dropins/host-files'
import type { StartupPrediction } from '../dropins/lint'
import { nameLengthProblem } from '../dropins/names'
import type { Refusal } from '../dropins/preview'
import { HSTS_KEY } from '../hsts/verdict'

export interface HostChangeFacts {
  host: HostTarget
  file: string
  tree: ConfTree
  before: string | null
  after: string | null
  startupAfter: StartupPrediction
}

/** Every reason the gate refuses this host's change; empty when it may be written. */
export function hostRefusals(facts: HostChangeFacts): Refusal[] {
  const placement = placementRefusals(facts.tree, facts.file)
  if (facts.before === facts.after) {
    return placement
  }
  return [...placement, ...sizeRefusals(facts.file, facts.after), ...catalogRefusals(facts), ...startupRefusals(facts.startupAfter)]
}

/** True when the change makes XAPI send HSTS with a new positive max-age (the lockout rule then needs the certificate's trust). */
export function turnsHstsOn(before: LintReport, after: LintReport): boolean {
  const seconds = maxAgeOf(after)
  return seconds !== undefined && seconds > 0 && seconds !== maxAgeOf(before)
}

function maxAgeOf(report: LintReport): number | undefined {
  const set = Object.hasOwn(report.effective, HSTS_KEY.key) ? report.effective[HSTS_KEY.key] : undefined
  return set === undefined ? undefined : Number.parseFloat(set.value)
}

/** The file cannot be managed where XAPI does not read it, nor replace something that is not a file. */
function placementRefusals(tree: ConfTree, file: string): Refusal[] {
  if (tree.configDir !== CONF_DIR) {
    const message = `XAPI on this host reads its drop-ins from ${quoteShort(tree.configDir)} (config-dir in /etc/xapi.conf), not ${CONF_DIR}`
    return [{ kind: 'conflict', message }]
  }
  const entry = tree.dropIns.find(candidate => candidate.name === file)
  if (entry !== undefined && entry.content === undefined) {
    return [{ kind: 'conflict', message: `${entry.path} is a ${entry.kind}, not a readable file: fix it from the host's console` }]
  }
  return []
}

/** What the plugin writes stays far below what it reads back (1 MiB). */
function sizeRefusals(file: string, after: string | null): Refusal[] {
  const refusals: string[] = []
  const name = nameLengthProblem(file)
  if (name !== undefined) {
    refusals.push(name)
  }
  if (after !== null && after.length > MAX_FILE_BYTES) {
    refusals.push(`the file would be ${after.length} bytes long: the limit of a file the plugin writes is ${MAX_FILE_BYTES} bytes`)
  }
  const longLine = after === null ? undefined : longestLine(after)
  if (longLine !== undefined && longLine > MAX_LINE_BYTES) {
    refusals.push(`the file would have a line of ${longLine} bytes: the limit of a line the plugin writes is ${MAX_LINE_BYTES} bytes`)
  }
  return refusals.map(message => ({ kind: 'invalid', message }))
}

function longestLine(text: string): number {
  let longest = 0
  let start = 0
  for (let end = text.indexOf('\n'); start < text.length; end = text.indexOf('\n', start)) {
    const stop = end === -1 ? text.length : end
    longest = Math.max(longest, stop - start)
    start = stop + 1
  }
  return longest
}

/** Every assignment the change adds must be a key this host's XAPI reads, with a value the catalog accepts. */
function catalogRefusals({ host, before, after }: HostChangeFacts): Refusal[] {
  if (after === null || after.length > MAX_FILE_BYTES) {
    return []
  }
  const kept = new Set(before === null ? [] : parseFile(before).map(({ key, value }) => `${key}\0${value}`))
  const added = parseFile(after).filter(({ key, value }) => !kept.has(`${key}\0${value}`))
  return added.flatMap(({ key, value }) =>
    validateChange({ [key]: value }, { expert: true, xapiVersion: host.xapiVersion }).issues.map(issue => ({
      kind: 'invalid' as const,
      key,
      message: issue.message,
    }))
  )
}

function startupRefusals(after: StartupPrediction): Refusal[] {
  if (after.outcome === 'starts') {
    return []
  }
  return [{ kind: 'breaks-startup', message: `after this change XAPI would not start here (${after.summary})` }]
}
