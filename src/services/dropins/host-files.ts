// What the drop-in service needs from a host: its configuration tree, and one file read, written or
// removed at a time. The SSH host access provides it in production (see ./ssh-files.ts); tests can
// give an in-memory one. Only the change gate (src/services/change-gate) holds the writing half:
// everything else gets `readOnly(files)`.
//
// Contents are "binary strings": one character per byte (latin1), the convention of src/conf, so a
// file read and written back is the same bytes whatever it holds.
import { DEFAULT_CONFIG_DIR, type ConfTree } from '../../conf'
import type { HostTarget } from '../../xo/targets'

export interface HostFileReader {
  /** `/etc/xapi.conf` and every entry of `/etc/xapi.conf.d`, as the conf module's linter takes them. */
  readTree(host: HostTarget): Promise<ConfTree>
  /** A file's contents, or `null` when it does not exist. */
  readFile(host: HostTarget, path: string): Promise<string | null>
}

export interface HostFiles extends HostFileReader {
  /** Replaces the file atomically: a reader sees the old contents or the new ones, never a mix. */
  writeFile(host: HostTarget, path: string, content: string): Promise<void>
  /** Removes the file; nothing happens when it does not exist. */
  removeFile(host: HostTarget, path: string): Promise<void>
  /**
   * Makes the file hold `content` (`null`: removes it) provided it still holds `expected` (`null`:
   * absent), checked on the host right before the file is replaced; false, with nothing changed, when not.
   */
  replaceIfUnchanged(host: HostTarget, path: string, expected: string | null, content: string | null): Promise<boolean>
}

export type ReadTree = (host: HostTarget) => Promise<ConfTree>

/** Reads each host's tree once and shares it between checks (the scheduled audit's); `forget` a host written since. */
export function sharedTreeReads(files: HostFiles): { readTree: ReadTree; forget(hostId: string): void } {
  const reads = new Map<string, Promise<ConfTree>>()
  return {
    readTree: host => {
      let read = reads.get(host.id)
      if (read === undefined) {
        read = files.readTree(host)
        reads.set(host.id, read)
      }
      return read
    },
    forget: hostId => reads.delete(hostId),
  }
}

/** The only drop-in directory the plugin manages: XAPI's default one. */
export const CONF_DIR = DEFAULT_CONFIG_DIR

export function dropInPath(file: string): string {
  return `${CONF_DIR}/${file}`
}

/** The reading half of `files`, as an object that cannot write even at run time. */
export function readOnly(files: HostFileReader): HostFileReader {
  return { readTree: host => files.readTree(host), readFile: (host, path) => files.readFile(host, path) }
}
