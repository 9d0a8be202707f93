// `removeFile`: deletes a drop-in on every host of a scope, all or nothing. A file the plugin did not
// write needs `force: true`; /etc/xapi.conf and the vendors' drop-ins are never removed.
import { isManagedFile } from '../../conf'
import { resolveScope, type ScopeParams } from '../../xo/targets'
import { checkRemovableName } from './names'
import { previewChange, type HostTargetContent } from './preview'
import { summarize, type PlanDeps, type Planned } from './plan'

export interface RemoveParams extends ScopeParams {
  file: string
  /** Also remove a drop-in that Xen Orchestra did not write. */
  force?: boolean
}

export async function planRemoval(deps: PlanDeps, params: RemoveParams): Promise<Planned> {
  const file = checkRemovableName(params.file)
  const pool = resolveScope(deps.xo, params, deps.lastKnown)
  const hosts = await previewChange(deps.files, {
    hosts: pool.hosts,
    file,
    keys: [],
    limit: deps.concurrency,
    target: (_host, { before }) => removal(file, before, params.force === true),
  })
  return { plan: summarize(pool, file, {}, hosts), pool }
}

function removal(file: string, before: string | null, force: boolean): HostTargetContent {
  if (before !== null && !force && !isManagedFile(before)) {
    return {
      after: before,
      refusals: [{ kind: 'forbidden', message: `${file} was not written by Xen Orchestra: pass \`force: true\` to remove it anyway` }],
    }
  }
  return { after: null }
}
