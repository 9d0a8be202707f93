// A host's /etc/xapi.conf and drop-in directory, read over SFTP into the conf module's ConfTree: the
// walk of conf/read-tree.ts, with the host resolving symlinks.
import { readTree, REFUSED, type ConfTree, type FileKind, type FsAnswer, type TreeFs } from '../conf'
import { isHostAccessError } from './errors'
import type { RemoteStats } from './remote-fs'
import type { HostSession } from './session'

export function readConfTree(session: HostSession): Promise<ConfTree> {
  return readTree(sftpTreeFs(session))
}

function sftpTreeFs(session: HostSession): TreeFs {
  return {
    lstat: path => kindOf(session.lstat(path)),
    stat: path => kindOf(session.stat(path)),
    readlink: path => session.readlink(path),
    readdir: path => refusedAs(session.listDir(path)),
    readFile: path => refusedAs(session.readRegularFile(path)),
  }
}

async function kindOf(request: Promise<RemoteStats | undefined>): Promise<FsAnswer<FileKind>> {
  const stats = await refusedAs(request)
  return stats === undefined || stats === REFUSED ? stats : stats.kind
}

// The host answered "no" (permission denied, not readable, ...): that is a fact about the tree. A timeout
// or a lost connection is not, and fails the whole read.
async function refusedAs<T>(request: Promise<T>): Promise<T | typeof REFUSED> {
  try {
    return await request
  } catch (error) {
    if (isHostAccessError(error, 'IO') && typeof error.data?.sftpStatus === 'number') {
      return REFUSED
    }
    throw error
  }
}
