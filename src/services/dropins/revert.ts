// `revert`: puts back, byte for byte, what every host held before a journaled change, all or nothing.
// A host whose file is neither the change's result nor already its previous contents was changed since:
// it is refused unless `force: true`.
import { incorrectState, noSuchObject } from '../../xo/errors'
import { getPool } from '../../xo/targets'
import type { ChangeJournal, HostFileRecord, JournalEntry } from './journal'
import { previewChange, type HostTargetContent } from './preview'
import { summarize, type PlanDeps, type Planned } from './plan'

export interface RevertParams {
  changeId: string
  /** Restore even on hosts whose file changed since the change. */
  force?: boolean
}

/** The journal entry of a change; noSuchObject when there is none. */
export async function journaledChange(journal: ChangeJournal, changeId: string): Promise<JournalEntry> {
  return (await journal.get(changeId)) ?? noSuchObject(changeId, 'xapi-config change')
}

export async function planRevert(deps: PlanDeps & { journal: ChangeJournal }, params: RevertParams): Promise<Planned & { entry: JournalEntry }> {
  const entry = await journaledChange(deps.journal, params.changeId)
  if (entry.outcome === 'pending') {
    incorrectState({ object: entry.id, property: 'outcome', actual: entry.outcome, expected: 'a finished change' })
  }
  const whole = getPool(deps.xo, entry.targets.poolId, deps.lastKnown)
  const records = new Map(entry.hosts.map(record => [record.host.id, record]))
  const pool = { ...whole, hosts: whole.hosts.filter(host => records.has(host.id)) }
  const missing = entry.hosts.filter(record => !pool.hosts.some(host => host.id === record.host.id))
  if (missing.length !== 0) {
    incorrectState({ object: entry.id, property: 'hosts', actual: missing.map(record => record.host), expected: 'every host of the change still in its pool' })
  }
  const hosts = await previewChange(deps.files, {
    hosts: pool.hosts,
    file: entry.file,
    keys: [],
    limit: deps.concurrency,
    target: (host, { before }) => restoration(records.get(host.id)!, before, params.force === true),
  })
  return { plan: summarize(pool, entry.file, {}, hosts), pool, entry }
}

function restoration(record: HostFileRecord, current: string | null, force: boolean): HostTargetContent {
  if (current === record.before || current === record.after || force) {
    return { after: record.before }
  }
  return {
    after: current,
    refusals: [
      {
        kind: 'conflict',
        message: `${record.path} changed since this change (it holds neither its result nor its previous contents): pass \`force: true\` to restore the previous contents anyway`,
      },
    ],
  }
}
