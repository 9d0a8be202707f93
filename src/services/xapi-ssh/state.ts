// A host's SSH as XAPI manages it (XAPI 25.21 and later): the host record's fields, read live, and
// whether this host's XAPI can manage SSH at all. Older hosts (XCP-ng 8.2, XAPI 1.249) have neither
// the fields nor the calls: their SSH must be enabled by hand.
import { compareVersions, parseVersion } from '../../conf/version'
import { TimeoutError, withTimeout } from '../../util/timeout'
import type { XapiCaller } from '../../xapi/session'

/** `ssh_enabled`, `ssh_enabled_timeout`, `ssh_expiry`, `console_idle_timeout` and the calls on them. */
export const SSH_FIELDS_SINCE = '25.21.0'
/** `ssh_auto_mode` and `host.set_ssh_auto_mode`. */
export const SSH_AUTO_MODE_SINCE = '25.27.0'
export const BY_HAND = 'SSH must be enabled by hand'

export interface SshState {
  enabled: boolean
  /** Seconds after which XAPI disables SSH once enabled; 0: never. */
  enabledTimeout: number
  /** When XAPI will disable SSH (XAPI's UTC date-time), as XAPI has it. */
  expiry?: string
  /** Undefined on XAPIs older than 25.27. */
  autoMode?: boolean
  consoleIdleTimeout?: number
}

export interface SshRecord {
  ssh_enabled?: unknown
  ssh_enabled_timeout?: unknown
  ssh_expiry?: unknown
  ssh_auto_mode?: unknown
  console_idle_timeout?: unknown
}

/** The SSH state a host record holds; undefined when the record has no such fields (an older XAPI). */
export function sshStateOf(record: SshRecord | undefined): SshState | undefined {
  if (typeof record?.ssh_enabled !== 'boolean') {
    return undefined
  }
  return {
    enabled: record.ssh_enabled,
    enabledTimeout: Number(record.ssh_enabled_timeout ?? 0),
    expiry: typeof record.ssh_expiry === 'string' ? record.ssh_expiry : undefined,
    autoMode: typeof record.ssh_auto_mode === 'boolean' ? record.ssh_auto_mode : undefined,
    consoleIdleTimeout: record.console_idle_timeout === undefined ? undefined : Number(record.console_idle_timeout),
  }
}

/** Why this XAPI version cannot manage SSH, or undefined when it can (or when the version is unknown). */
export function tooOldForSsh(xapiVersion: string | undefined): string | undefined {
  const version = xapiVersion === undefined ? undefined : parseVersion(xapiVersion)
  if (version === undefined || compareVersions(version, parseVersion(SSH_FIELDS_SINCE)!) >= 0) {
    return undefined
  }
  return `XAPI ${xapiVersion} cannot enable SSH (host.enable_ssh and its timeout need XAPI ${SSH_FIELDS_SINCE} or later, e.g. XCP-ng 8.3): ${BY_HAND}`
}

/** The error an XAPI without the SSH calls answers. */
export function isMissingCall(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'MESSAGE_METHOD_UNKNOWN'
}

export class SshApiMissing extends Error {
  constructor(what: string) {
    super(`this host's XAPI does not know ${what}: ${BY_HAND}`)
    this.name = 'SshApiMissing'
  }
}

/** One XAPI call, bounded: a master that does not answer must not hold an operation. */
export function callBounded<T>(xapi: XapiCaller, timeoutMs: number, method: string, ...args: unknown[]): Promise<T> {
  return withTimeout(xapi.call<T>(method, ...args), timeoutMs, () => new TimeoutError(`XAPI's ${method}`, timeoutMs)).catch((error: unknown) => {
    throw isMissingCall(error) ? new SshApiMissing(method) : error
  })
}

/** The host's SSH state, live from XAPI; undefined when its XAPI has no SSH fields. */
export async function readSshState(xapi: XapiCaller, hostRef: string, timeoutMs: number): Promise<SshState | undefined> {
  return sshStateOf(await callBounded<SshRecord>(xapi, timeoutMs, 'host.get_record', hostRef))
}

/** For messages and records: `enabled, timeout 600 s, auto mode off`. */
export function describeSsh(state: SshState): string {
  const parts = [state.enabled ? 'enabled' : 'disabled', state.enabledTimeout === 0 ? 'no timeout' : `timeout ${state.enabledTimeout} s`]
  if (state.autoMode !== undefined) {
    parts.push(`auto mode ${state.autoMode ? 'on' : 'off'}`)
  }
  return parts.join(', ')
}
