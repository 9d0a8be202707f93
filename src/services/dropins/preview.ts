// The preview of a change to one drop-in on some hosts, common to plan, apply, removeFile, revert and
// the desired state: each host's tree is read, the caller says what the file must hold there, and the
// preview shows the file before and after, a unified diff, the effective values of the keys concerned,
// XAPI's predicted startup before and after, warnings, and why the change cannot be made on a host.
// Nothing is written.
import { createTwoFilesPatch } from 'diff'
import type { ConfEntry, ConfTree } from '../../conf'
import type { HostTarget } from '../../xo/targets'
import { mapHosts, type HostRow } from '../fleet'
import { hostRefusals, turnsHstsOn } from '../change-gate/host-rules'
import { CONF_DIR, dropInPath, type HostFileReader } from './host-files'
import { describeStartup, effectiveOf, lintOf, shadowingWarnings, type EffectiveValue, type StartupPrediction } from './lint'

export interface HostChangeView {
  path: string
  before: string | null
  after: string | null
  changed: boolean
  /** Unified diff of the file (empty when unchanged). */
  diff: string
  /** The keys the change concerns: where XAPI takes each from before and after. */
  effective: { before: Record<string, EffectiveValue>; after: Record<string, EffectiveValue> }
  startup: { before: StartupPrediction; after: StartupPrediction }
  warnings: string[]
  /** Reasons the change cannot be made on this host; empty when it can. */
  refusals: Refusal[]
  /** The change makes XAPI send HSTS with a new positive max-age: the change gate checks the certificate's trust. */
  turnsHstsOn: boolean
}

export type RefusalKind = 'invalid' | 'forbidden' | 'breaks-startup' | 'conflict'

export interface Refusal {
  kind: RefusalKind
  message: string
  key?: string
}

/** What the file must hold on one host, from what the host holds now. */
export interface HostTargetContent {
  after: string | null
  refusals?: Refusal[]
  warnings?: string[]
}

export interface PreviewRequest {
  hosts: readonly HostTarget[]
  file: string
  /** Keys whose effective values the preview shows. */
  keys: readonly string[]
  limit: number
  target(host: HostTarget, current: { before: string | null; tree: ConfTree }): HostTargetContent
}

export type HostPreviewRow = HostRow<HostChangeView>

export function previewChange(files: HostFileReader, request: PreviewRequest): Promise<HostPreviewRow[]> {
  return mapHosts(request.hosts, request.limit, async host => previewHost(host, await files.readTree(host), request))
}

function previewHost(host: HostTarget, tree: ConfTree, { file, keys, target }: PreviewRequest): HostChangeView {
  const path = dropInPath(file)
  const before = contentOf(tree, file)
  const { after, refusals = [], warnings = [] } = target(host, { before, tree })
  const changedTree = withDropIn(tree, file, after)
  const lintBefore = lintOf(tree, host.xapiVersion)
  const lintAfter = lintOf(changedTree, host.xapiVersion)
  const startup = { before: describeStartup(lintBefore), after: describeStartup(lintAfter) }
  const changed = before !== after
  return {
    path,
    before,
    after,
    changed,
    diff: changed ? createTwoFilesPatch(`a${path}`, `b${path}`, before ?? '', after ?? '', '', '') : '',
    effective: { before: effectiveOf(lintBefore, keys), after: effectiveOf(lintAfter, keys) },
    startup,
    warnings: [...warnings, ...shadowingWarnings(lintAfter, path, keys, after), ...(changed ? [RESTART_WARNING] : [])],
    refusals: [...refusals, ...hostRefusals({ host, file, tree, before, after, startupAfter: startup.after })],
    turnsHstsOn: changed && turnsHstsOn(lintBefore, lintAfter),
  }
}

export const RESTART_WARNING =
  'XAPI reads its configuration only when it starts: the change takes effect after a toolstack restart (`restart: true`)'

/** The contents of a drop-in of /etc/xapi.conf.d as a binary string; `null` when absent or not a readable file. */
export function contentOf(tree: ConfTree, file: string): string | null {
  const entry = tree.configDir === CONF_DIR ? tree.dropIns.find(candidate => candidate.name === file) : undefined
  return entry?.content === undefined ? null : entry.content.toString('latin1')
}

/** The tree as it would be with the drop-in holding `content` (or without it when `content` is null). */
export function withDropIn(tree: ConfTree, file: string, content: string | null): ConfTree {
  const others = tree.dropIns.filter(entry => entry.name !== file)
  if (content === null) {
    return { ...tree, dropIns: others }
  }
  const entry: ConfEntry = { name: file, path: dropInPath(file), kind: 'file', content: Buffer.from(content, 'latin1') }
  return { ...tree, dirState: 'directory', dropIns: [...others, entry] }
}
