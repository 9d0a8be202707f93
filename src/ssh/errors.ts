// The one error type of host access. Messages say what happened on which host and what an admin can do
// about it; they never carry a password or a private key.

export type HostAccessErrorCode =
  | 'NOT_CONFIGURED'
  | 'UNREACHABLE'
  | 'CONNECT_TIMEOUT'
  | 'AUTH_FAILED'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_NOT_LISTED'
  | 'TIMEOUT'
  | 'NO_SPACE'
  | 'IO'
  /** XAPI reports the host's SSH disabled, and it may not (or cannot) be enabled through XAPI. */
  | 'SSH_DISABLED'

/** A host as SSH needs it: XO's host id (pinned keys are stored under it), the address, a name for messages. */
export interface SshHost {
  id: string
  address: string
  label: string
}

export interface HostAccessErrorOptions {
  host?: SshHost
  /** Machine-readable details (paths, fingerprints, SFTP status); never secrets. */
  data?: Record<string, unknown>
  cause?: unknown
}

export class HostAccessError extends Error {
  readonly code: HostAccessErrorCode
  readonly host?: SshHost
  readonly data?: Record<string, unknown>

  constructor(code: HostAccessErrorCode, message: string, { host, data, cause }: HostAccessErrorOptions = {}) {
    super(host === undefined ? message : `${host.label} (${host.address}): ${message}`, { cause })
    this.name = 'HostAccessError'
    this.code = code
    this.host = host
    this.data = data
  }
}

export function isHostAccessError(error: unknown, code?: HostAccessErrorCode): error is HostAccessError {
  return error instanceof HostAccessError && (code === undefined || error.code === code)
}

/** A duration for messages: `10 s`, `2.5 s`. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}
