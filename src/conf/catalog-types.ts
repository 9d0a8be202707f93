/** What a value means to an admin. */
export type KeyType = 'int' | 'float' | 'bool' | 'string' | 'list' | 'enumeration' | 'duration' | 'path'

/**
 * managed: safe for admins to set through Xen Orchestra;
 * expert: allowed only with an explicit expert flag;
 * forbidden: never written by Xen Orchestra (daemon plumbing, resource paths, HA timing,
 * keys set by xapi-init, keys owned by vendor drop-ins).
 */
export type KeyClass = 'managed' | 'expert' | 'forbidden'

/**
 * How repeated assignments combine: `last` (a later assignment wins), `replace` (a list, each
 * occurrence replaces it as a whole), `prepend` (each occurrence is put in front: search-path),
 * `union` (each occurrence adds names: disable-logging-for).
 */
export type Accumulation = 'last' | 'replace' | 'prepend' | 'union'

/** Where XAPI splits a list value. */
export type ListSeparator = 'whitespace' | 'space' | 'colon' | 'comma'

/** What XAPI does with a value outside an enumeration. */
export type UnknownValuePolicy = 'fail' | 'ignore' | 'default'

export interface CatalogEntry {
  readonly key: string
  readonly type: KeyType
  /** The default as XAPI prints it after parsing (floats as `string_of_float`, lists joined). */
  readonly default: string
  readonly description: string
  readonly class: KeyClass
  /** Why the key is expert or forbidden. */
  readonly reason?: string
  /** First XAPI release of the main line that reads the key; absent when XCP-ng 8.2 (xapi 1.249) already does. */
  readonly since?: string
  /** Maintenance releases that got the key earlier (e.g. 26.1.17: 26.1.17 and later 26.1.x read it). */
  readonly backports?: readonly string[]
  readonly accumulation: Accumulation
  /** Seconds, for float, int and duration keys that hold a time. */
  readonly unit?: 'seconds' | 'days' | 'bytes' | 'microseconds' | 'percent'
  /** Smallest value Xen Orchestra writes (managed and expert numbers). */
  readonly minimum?: number
  /** Largest value Xen Orchestra writes. */
  readonly maximum?: number
  /** Another key that sets the same XAPI variable. */
  readonly aliasOf?: string
  // enumerations
  readonly values?: readonly string[]
  readonly synonyms?: Readonly<Record<string, string>>
  readonly onUnknownValue?: UnknownValuePolicy
  readonly caseInsensitive?: boolean
  // lists
  readonly separator?: ListSeparator
  /** A list item XAPI checks: a PCI vendor id (one to four hex digits first). */
  readonly itemFormat?: 'pci-vendor-id'
  /** The only items XAPI keeps; others are dropped without a word. */
  readonly allowedItems?: readonly string[]
  // durations
  /** int: whole seconds (int_of_string); float: seconds below 104 days, others ignored. */
  readonly durationOf?: 'int' | 'float'
  /** `<float>,<float>` pairs of seconds read with Scanf "%f,%f" (event_*_delay). */
  readonly format?: 'delay-pair'
  /** Resource paths: checked with access(2) after the files are read when essential. */
  readonly resource?: { readonly kind: 'exec' | 'file' | 'dir'; readonly essential: boolean }
}
