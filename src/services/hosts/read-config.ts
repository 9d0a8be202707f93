// A host's configuration as XAPI will read it at its next start: its files over SSH, then the linter.
import { lintTreeMemo } from '../../conf/lint-memo'
import type { LintReport } from '../../conf/linter'
import type { ConfTree } from '../../conf/tree'
import type { HostAccess } from '../../ssh/host-access'
import type { HostSession } from '../../ssh/session'
import type { HostTarget } from '../../xo/targets'

export interface HostConfig {
  tree: ConfTree
  report: LintReport
}

export function sshHost({ id, address, label }: HostTarget): { id: string; address: string; label: string } {
  return { id, address, label }
}

export async function readConfigWith(session: HostSession, host: HostTarget): Promise<HostConfig> {
  return lintedConfig(await session.readTree(), host)
}

/** A tree already read, with what the host's XAPI would make of it. */
export function lintedConfig(tree: ConfTree, host: HostTarget): HostConfig {
  return { tree, report: lintTreeMemo(tree, { xapiVersion: host.xapiVersion }) }
}

export function readHostConfig(access: HostAccess, host: HostTarget): Promise<HostConfig> {
  return access.withHost(sshHost(host), session => readConfigWith(session, host))
}
