// An in-memory HostFiles for unit tests: one map of path → contents per host, with failures on demand.
import { MAIN_CONFIG_PATH, type ConfEntry, type ConfTree } from '../../src/conf'
import { CONF_DIR, type HostFiles } from '../../src/services/dropins/host-files'
import type { HostTarget } from '../../src/xo/targets'

export class FakeHostFiles implements HostFiles {
  readonly disks = new Map<string, Map<string, string>>()
  /** Host ids whose every access fails, as with SSH down. */
  readonly unreachable = new Set<string>()
  /** Host ids whose writes fail, as with a full filesystem. */
  readonly full = new Set<string>()
  /** Host ids that become unreachable right after their first write. */
  readonly lostAfterWrite = new Set<string>()
  /** Per host: changes the tree readTree returns (a directory entry, another config-dir…). */
  readonly treeEdits = new Map<string, (tree: ConfTree) => ConfTree>()
  readonly writes: Array<{ hostId: string; path: string; content: string | null }> = []
  /** Host ids, once per readTree call. */
  readonly treeReads: string[] = []

  disk(hostId: string): Map<string, string> {
    let disk = this.disks.get(hostId)
    if (disk === undefined) {
      disk = new Map()
      this.disks.set(hostId, disk)
    }
    return disk
  }

  /** The host's /etc/xapi.conf and /etc/xapi.conf.d as the conf module describes them (regular files only). */
  async readTree(host: HostTarget): Promise<ConfTree> {
    this.treeReads.push(host.id)
    this.#reach(host)
    const entries = [...this.disk(host.id)].map(([path, content]) => toEntry(path, content))
    const tree: ConfTree = {
      main: entries.find(entry => entry.path === MAIN_CONFIG_PATH) ?? null,
      configDir: CONF_DIR,
      dirState: 'directory',
      dropIns: entries.filter(entry => entry.path.startsWith(`${CONF_DIR}/`)),
    }
    return this.treeEdits.get(host.id)?.(tree) ?? tree
  }

  async readFile(host: HostTarget, path: string): Promise<string | null> {
    this.#reach(host)
    return this.disk(host.id).get(path) ?? null
  }

  async writeFile(host: HostTarget, path: string, content: string): Promise<void> {
    this.#reach(host)
    if (this.full.has(host.id)) {
      throw Object.assign(new Error(`${host.label}: no space left on device`), { code: 'NO_SPACE' })
    }
    this.writes.push({ hostId: host.id, path, content })
    this.disk(host.id).set(path, content)
    if (this.lostAfterWrite.has(host.id)) {
      this.unreachable.add(host.id)
    }
  }

  async removeFile(host: HostTarget, path: string): Promise<void> {
    this.#reach(host)
    this.writes.push({ hostId: host.id, path, content: null })
    this.disk(host.id).delete(path)
  }

  async replaceIfUnchanged(host: HostTarget, path: string, expected: string | null, content: string | null): Promise<boolean> {
    if ((await this.readFile(host, path)) !== expected) {
      return false
    }
    await (content === null ? this.removeFile(host, path) : this.writeFile(host, path, content))
    return true
  }

  #reach(host: HostTarget): void {
    if (this.unreachable.has(host.id)) {
      throw Object.assign(new Error(`${host.label}: connection refused`), { code: 'UNREACHABLE' })
    }
  }
}

export function fakeHost(id: string, isMaster = false): HostTarget {
  return {
    id,
    label: `host ${id}`,
    address: `127.0.0.${id.length}`,
    poolId: 'pool-1',
    poolLabel: 'Pool 1',
    isMaster,
    enabled: true,
    xapiVersion: '26.1.3',
    productVersion: '8.3.0',
    xapiRef: `OpaqueRef:${id}`,
  }
}

function toEntry(path: string, content: string): ConfEntry {
  return { name: path.slice(path.lastIndexOf('/') + 1), path, kind: 'file', content: Buffer.from(content, 'latin1') }
}
