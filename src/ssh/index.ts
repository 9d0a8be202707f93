// Host access over SSH: the plugin's only way to touch a host (see host-access.ts).
export {
  HostAccess,
  DEFAULT_CONCURRENCY,
  DEFAULT_TIMEOUTS,
  type HostAccessOptions,
  type HostAccessTimeouts,
} from './host-access'
export { HostSession, MAX_READ_BYTES, type DirEntry, type RunOptions } from './session'
export type { EntryKind, RemoteStats } from './remote-fs'
export type { CommandResult, Credentials } from './connection'
export type { FixedCommand } from './commands'
export { HostKeyStore, type HostKeyPolicy, type HostKeyStoreOptions, type PinnedHostKey } from './host-key-store'
export { HostAccessError, isHostAccessError, type HostAccessErrorCode, type SshHost } from './errors'
export { fingerprintOf, isFingerprint } from './fingerprint'
export { ensureKeyPair, installPublicKey, KEY_COMMENT, type InstallOutcome, type KeyPair } from './key-pair'
