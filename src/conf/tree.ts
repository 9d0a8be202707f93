// The input of the linter: a host's /etc/xapi.conf and drop-in directory as XAPI sees them.
// Plain data, so that a local directory and a remote host (over SFTP) fill it the same way.
import { isUtf8 } from 'node:buffer'
import { posix } from 'node:path'

import { parseFile } from './parser'

export const MAIN_CONFIG_PATH = '/etc/xapi.conf'
export const DEFAULT_CONFIG_DIR = '/etc/xapi.conf.d'

export type EntryKind = 'file' | 'directory' | 'symlink' | 'unreadable'
export type TargetKind = 'file' | 'directory' | 'missing' | 'unreadable'
export type DirState = 'directory' | 'missing' | 'not-a-directory' | 'unreadable'

export interface ConfEntry {
  /** base name */
  readonly name: string
  /** absolute path on the host */
  readonly path: string
  /** what lstat says; `unreadable` = it exists but cannot be opened or read */
  readonly kind: EntryKind
  /** symlinks: the target as stored */
  readonly target?: string
  /** symlinks: what the target is once every link is followed */
  readonly resolved?: TargetKind
  /** the bytes, for a readable file or a symlink that leads to one */
  readonly content?: Buffer
}

export interface ConfTree {
  /** /etc/xapi.conf; null when nothing has that name */
  readonly main: ConfEntry | null
  /** the directory XAPI lists: /etc/xapi.conf.d, or `config-dir` set in /etc/xapi.conf */
  readonly configDir: string
  readonly dirState: DirState
  /** every entry of configDir, in any order (`.` and `..` excluded) */
  readonly dropIns: readonly ConfEntry[]
}

/** File contents as text: UTF-8 when valid, otherwise one character per byte. */
export function decodeContent(content: Buffer): string {
  return content.toString(isUtf8(content) ? 'utf8' : 'latin1')
}

/** The bytes XAPI reads from an entry, or undefined when it cannot read any. */
export function readableContent(entry: ConfEntry): Buffer | undefined {
  const isFile = entry.kind === 'file' || (entry.kind === 'symlink' && entry.resolved === 'file')
  return isFile ? entry.content : undefined
}

/**
 * The drop-in directory XAPI lists: the last `config-dir` of /etc/xapi.conf (XAPI lists the
 * directory after reading that file only), relative paths taken from `/` (XAPI's working directory).
 */
export function configDirOf(main: ConfEntry | null): string {
  const content = main === null ? undefined : readableContent(main)
  if (content === undefined) return DEFAULT_CONFIG_DIR
  const assignments = parseFile(decodeContent(content)).filter(assignment => assignment.key === 'config-dir')
  if (assignments.length === 0) return DEFAULT_CONFIG_DIR
  const value = assignments[assignments.length - 1].value
  return value === '' ? '' : posix.resolve('/', value)
}

/** Host path of a drop-in, as XAPI's `Filename.concat` builds it. */
export function dropInPath(configDir: string, name: string): string {
  return posix.join(configDir, name)
}
