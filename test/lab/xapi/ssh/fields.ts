// The SSH fields of a host record (datamodel_host.ml), present only from the XAPI version that has them.
import type { HostSshState, SoftwareVersion } from '../../contract'
import type { XapiRecord } from '../db/database'
import { EPOCH, xapiDateTime } from '../db/records'
import { hasSshFeature } from './features'

/** The largest `ssh_enabled_timeout` XAPI accepts: two days, in seconds. */
export const MAX_SSH_ENABLED_TIMEOUT = 172_800

const TIMEOUT_FIELDS = ['ssh_enabled', 'ssh_enabled_timeout', 'ssh_expiry', 'console_idle_timeout'] as const
const AUTO_MODE_FIELDS = ['ssh_auto_mode'] as const
export const SSH_FIELDS: readonly string[] = [...TIMEOUT_FIELDS, ...AUTO_MODE_FIELDS]

/**
 * The SSH fields of a host at the lab's start: `ssh_expiry` is set when SSH starts enabled with a
 * timeout, as if `enable_ssh` had just run (XAPI re-schedules it when it starts).
 */
export function initialSshFields(state: HostSshState = {}, nowMs: number): Record<string, unknown> {
  const enabled = state.enabled ?? true
  const timeout = state.enabledTimeout ?? 0
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > MAX_SSH_ENABLED_TIMEOUT) {
    throw new RangeError(`ssh enabledTimeout: expected 0 to ${MAX_SSH_ENABLED_TIMEOUT} seconds, got ${timeout}`)
  }
  return {
    ssh_enabled: enabled,
    ssh_enabled_timeout: timeout,
    ssh_expiry: enabled && timeout > 0 ? xapiDateTime(nowMs + timeout * 1000) : EPOCH,
    console_idle_timeout: state.consoleIdleTimeout ?? 0,
    ssh_auto_mode: state.autoMode ?? false,
  }
}

/**
 * `record` with exactly the SSH fields its XAPI version has: kept values where it had them,
 * `initial` ones for the others.
 */
export function withSshFields(record: XapiRecord, softwareVersion: SoftwareVersion, initial: Record<string, unknown>): XapiRecord {
  const present = [
    ...(hasSshFeature(softwareVersion, 'timeouts') ? TIMEOUT_FIELDS : []),
    ...(hasSshFeature(softwareVersion, 'autoMode') ? AUTO_MODE_FIELDS : []),
  ]
  const others = Object.fromEntries(Object.entries(record).filter(([field]) => !SSH_FIELDS.includes(field)))
  return { ...others, ...Object.fromEntries(present.map(field => [field, field in record ? record[field] : initial[field]])) }
}
