// Types for the untyped packages the harness uses, as far as it uses them.

declare module '@vates/obfuscate' {
  /** The placeholder xo-server sends instead of a secret. */
  export const OBFUSCATED_VALUE: string
  /** Replaces string values whose key looks secret (token, passphrase, *password*, encryptionKey). */
  export function replace<T>(value: T, replacement: string): T
  export function obfuscate<T>(value: T): T
  /** Puts back the stored secrets where `newValue` holds the placeholder. */
  export function merge<T>(newValue: T, oldValue: unknown): T
}
