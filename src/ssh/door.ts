// The door to a host's SSH. Hardened hosts keep SSH disabled; XAPI can enable it for a while. HostAccess
// asks its door once per operation and host, kept connection or not (and once more when a connection is
// refused), keeps what the door opened open for the rest of the operation (./operation.ts), then closes
// its own connection to the host before the door puts SSH back: no connection outlives it.
import type { SshHost } from './errors'

export interface DoorOpening {
  /** Puts the host's SSH back as it was; reports instead of throwing. */
  close(): Promise<{ restored: boolean; error?: string }>
}

export interface HostDoor {
  /**
   * Makes sure the host's SSH can be reached: undefined when nothing had to be opened; throws (an error
   * naming the host and what to do) when SSH is closed and may not be opened. `refused`: a connection
   * to the host was just refused (XO's view of its SSH may be late).
   */
  open(host: SshHost, how: { refused: boolean }): Promise<DoorOpening | undefined>
}
