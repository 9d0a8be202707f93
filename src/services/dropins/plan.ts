// `plan`: what setting some keys in a managed drop-in would do on each host of a scope. The request is
// validated with the conf module's writer policy first (bad input never reaches a host), then each
// host's tree is read and previewed (./preview.ts). Nothing is written.
import { DEFAULT_MANAGED_FILE, isManagedFile, mergeManagedFile, parseFile, validateChange, type ChangeIssue } from '../../conf'
import { invalidParameters, paramError } from '../../xo/errors'
import { resolveScope, type HostFallback, type HostTarget, type PoolTarget, type ScopeParams } from '../../xo/targets'
import type { XoApp } from '../../xo/types'
import type { HostFileReader } from './host-files'
import { checkWritableName } from './names'
import { previewChange, type HostPreviewRow, type HostTargetContent, type Refusal } from './preview'

export type SettingValue = string | number | boolean | null

export interface ChangeParams extends ScopeParams {
  /** Keys to set; `null` removes the key from the file. */
  settings: Record<string, SettingValue>
  /** Drop-in name in /etc/xapi.conf.d; default `zz-xo-xapi-config.conf`. */
  file?: string
  /** Allows keys the catalog classes as expert. */
  expert?: boolean
}

export interface ChangePlan {
  pool: { id: string; label: string }
  file: string
  /** The change as validated: values as they will be written, `null` for a removal. */
  settings: Record<string, string | null>
  hosts: HostPreviewRow[]
  /** True when every host is reachable and none refuses the change. */
  applicable: boolean
  /** True when at least one host's file changes. */
  changes: boolean
}

/** Keys that only the pool master's XAPI uses (its database GC), reference §4 and §8. */
export const MASTER_ONLY_KEYS: ReadonlySet<string> = new Set(['pending_task_timeout', 'completed_task_timeout'])

export interface PlanDeps {
  xo: XoApp
  files: HostFileReader
  concurrency: number
  /** The last known hosts: removals and reverts still reach a pool XO does not show now. */
  lastKnown?: HostFallback
}

/** A plan and the hosts it was made for, which a commit writes. */
export interface Planned {
  plan: ChangePlan
  pool: PoolTarget
}

/** The request's file name and settings, checked before anything else (no host, not even the pool, is looked up). */
export function checkChangeParams(params: ChangeParams): { file: string; settings: Record<string, string | null> } {
  return { file: checkWritableName(params.file ?? DEFAULT_MANAGED_FILE), settings: checkSettings(params.settings, params.expert === true) }
}

export async function planChange(deps: PlanDeps, params: ChangeParams): Promise<Planned> {
  const { file, settings } = checkChangeParams(params)
  const pool = resolveScope(deps.xo, params)
  const hosts = await previewChange(deps.files, {
    hosts: pool.hosts,
    file,
    keys: Object.keys(settings),
    limit: deps.concurrency,
    target: (host, { before }) => mergedFile(host, before, settings),
  })
  return { plan: summarize(pool, file, settings, hosts), pool }
}

export function summarize(pool: PoolTarget, file: string, settings: Record<string, string | null>, hosts: HostPreviewRow[]): ChangePlan {
  return {
    pool: { id: pool.id, label: pool.label },
    file,
    settings,
    hosts,
    applicable: hosts.every(row => row.ok && row.refusals.length === 0),
    changes: hosts.some(row => row.ok && row.changed),
  }
}

/** Every key and value checked against the catalog and the writer policy; invalidParameters lists every problem. */
export function checkSettings(settings: Record<string, SettingValue>, expert: boolean): Record<string, string | null> {
  if (Object.keys(settings).length === 0) {
    invalidParameters('`settings` names no key', [paramError('settings', 'give at least one key', { keyword: 'minProperties', params: { limit: 1 } })])
  }
  const validation = validateChange(settings, { expert })
  if (!validation.ok) {
    invalidParameters(validation.issues.map(issue => issue.message).join('; '), validation.issues.map(toErrorItem))
  }
  return { ...validation.settings }
}

function toErrorItem({ key, code, message, suggestion }: ChangeIssue) {
  return paramError(`settings.${key}`, message, { keyword: code, params: { key, ...(suggestion === undefined ? {} : { suggestion }) }, code, suggestion })
}

/** The managed file with the change merged in; `null` when no key is left. */
function mergedFile(host: HostTarget, before: string | null, settings: Record<string, string | null>): HostTargetContent {
  if (before !== null && !isManagedFile(before)) {
    return { after: before, refusals: [notManaged()] }
  }
  const merged = mergeManagedFile(before ?? undefined, settings)
  const after = parseFile(merged).length === 0 ? null : merged
  return { after, warnings: keyWarnings(host, settings) }
}

function keyWarnings(host: HostTarget, settings: Record<string, string | null>): string[] {
  const masterOnly = Object.keys(settings).filter(key => MASTER_ONLY_KEYS.has(key))
  if (masterOnly.length === 0) {
    return []
  }
  const keys = masterOnly.map(key => `\`${key}\``).join(', ')
  return [
    host.isMaster
      ? `${keys}: only the pool master uses it (its task garbage collector), and this host is the master`
      : `${keys}: only the pool master uses it; this host's value matters only if it becomes the master`,
  ]
}

function notManaged(): Refusal {
  return {
    kind: 'forbidden',
    message:
      'this file was not written by Xen Orchestra (no managed-file header): pick another `file`, ' +
      'or remove it first with `removeFile` and `force: true`',
  }
}
