// What a host's files tell XAPI to send: the effective `hsts_max_age` of /etc/xapi.conf and
// /etc/xapi.conf.d, read over SSH and replayed as XAPI reads them. A failure here only makes the value
// unknown: the header and certificate verdict never depend on SSH.
import { effectiveConfig } from '../../conf/effective'
import type { ConfTree } from '../../conf/tree'
import { isHostAccessError, type SshHost } from '../../ssh/errors'
import type { HostTarget } from '../../xo/targets'
import { HSTS_DISABLED, HSTS_KEY, type ConfiguredHsts } from './verdict'

/** The part of host access this needs (src/ssh/host-access.ts). */
export interface TreeReader {
  withHost<T>(host: SshHost, fn: (session: { readTree(): Promise<ConfTree> }) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>
}

/**
 * Reads a host's tree: through the host access, or a read the scheduled audit shares with its other
 * checks. `signal` withdraws a read still waiting for its turn (a shared read may ignore it).
 */
export type ReadTree = (host: HostTarget, signal?: AbortSignal) => Promise<ConfTree>

export function treesThrough(access: TreeReader): ReadTree {
  return (host, signal) => access.withHost(host, session => session.readTree(), { signal })
}

export async function readConfiguredHsts(readTree: ReadTree | undefined, host: HostTarget, signal?: AbortSignal): Promise<ConfiguredHsts> {
  if (readTree === undefined) {
    return { state: 'unknown', reason: 'SSH access is not configured, so the files cannot be read' }
  }
  try {
    return configuredIn(await readTree(host, signal))
  } catch (error) {
    const reason = isHostAccessError(error, 'NOT_CONFIGURED')
      ? 'SSH access is not configured, so the files cannot be read'
      : `the files could not be read over SSH: ${(error as Error).message}`
    return { state: 'unknown', reason }
  }
}

export function configuredIn(tree: ConfTree): ConfiguredHsts {
  const { outcome, values } = effectiveConfig(tree)
  if (outcome !== 'starts') {
    return { state: 'unknown', reason: 'the configuration files would stop XAPI at its next start (see the audit)' }
  }
  const value = values[HSTS_KEY.key]
  return value === undefined ? { state: 'read', maxAge: HSTS_DISABLED } : { state: 'read', maxAge: Number(value.value), file: value.file }
}
