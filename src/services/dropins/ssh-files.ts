// HostFiles over the plugin's SSH host access: SFTP reads, atomic writes (temp file beside the
// directory, fsync, rename) and removals. Drop-ins are written 0644, as the vendors' are.
import type { HostAccess } from '../../ssh/host-access'
import { readConfTree } from '../../ssh/read-tree'
import type { WriteModes } from '../../ssh/session'
import { CONF_DIR, type HostFiles } from './host-files'

const FILE_MODE = 0o644
const DIR_MODE = 0o755

export function sshHostFiles(access: HostAccess): HostFiles {
  return {
    readTree: host => access.withHost(host, readConfTree),
    readFile: (host, path) => access.withHost(host, async session => (await session.readFile(path)) ?? null),
    writeFile: (host, path, content) => access.withHost(host, session => session.writeFileAtomic(path, content, writeModes(path))),
    removeFile: async (host, path) => {
      await access.withHost(host, session => session.removeFile(path))
    },
    replaceIfUnchanged: (host, path, expected, content) =>
      access.withHost(host, session => session.replaceIfUnchanged(path, expected, content, writeModes(path))),
  }
}

function writeModes(path: string): WriteModes {
  // an ISO upgrade may leave no drop-in directory at all
  return { mode: FILE_MODE, directoryMode: path.startsWith(`${CONF_DIR}/`) ? DIR_MODE : undefined }
}
