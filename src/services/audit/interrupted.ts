// Changes that xo-server's death interrupted, as the audit reports them: for the newest change of each
// file of a pool, when it is `interrupted`, what each host holds now compared with the journal's record
// (the change's result, the previous contents, or neither), and whether the pool is left mixed.
import type { ConfTree } from '../../conf'
import { contentRef, type ContentRef } from '../dropins/backups'
import type { HostFileOutcome, StoredEntry } from '../dropins/journal'
import { contentOf } from '../dropins/preview'

export type HeldVersion = 'result' | 'previous' | 'neither' | 'unread'

export interface InterruptedChange {
  changeId: string
  file: string
  at: string
  hosts: Array<{ host: { id: string; label: string }; journaled?: HostFileOutcome; holds: HeldVersion }>
  /** Some hosts hold the change's result and others do not: revert the change, or apply it again. */
  mixed: boolean
  advice: string
}

const ADVICE =
  'xo-server stopped during this change: `xapiConfig.revert changeId=<id> force=true` puts every host back, ' +
  'or apply the change again'

/** The pool's interrupted changes not superseded by a later change of the same file; `trees` by host id (absent: unreachable). */
export function interruptedChanges(entries: readonly StoredEntry[], poolId: string, trees: ReadonlyMap<string, ConfTree>): InterruptedChange[] {
  const newest = new Map<string, StoredEntry>()
  for (const entry of entries) {
    if (entry.targets.poolId === poolId) {
      newest.set(entry.file, entry)
    }
  }
  return [...newest.values()].filter(entry => entry.outcome === 'interrupted').map(entry => describe(entry, trees))
}

function describe(entry: StoredEntry, trees: ReadonlyMap<string, ConfTree>): InterruptedChange {
  const hosts = entry.hosts.map(record => {
    const tree = trees.get(record.host.id)
    const holds = tree === undefined ? 'unread' : held(contentOf(tree, entry.file), record.before, record.after)
    return { host: { id: record.host.id, label: record.host.label }, journaled: record.outcome, holds }
  })
  const read = hosts.filter(host => host.holds !== 'unread')
  const mixed = read.some(host => host.holds === 'result') && read.some(host => host.holds !== 'result')
  return { changeId: entry.id, file: entry.file, at: entry.at, hosts, mixed, advice: ADVICE.replace('<id>', entry.id) }
}

function held(content: string | null, before: ContentRef | null, after: ContentRef | null): HeldVersion {
  const sha256 = content === null ? null : contentRef(content).sha256
  if (sha256 === (after?.sha256 ?? null)) {
    return 'result'
  }
  return sha256 === (before?.sha256 ?? null) ? 'previous' : 'neither'
}
