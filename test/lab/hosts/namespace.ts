import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

import type { HostLayout } from './layout'

/**
 * The mount (and UTS) namespace of one host, held by a process that lives independently of sshd.
 * Inside it, /etc is ONE overlay mount, so that a rename from /etc into /etc/xapi.conf.d works:
 * the machine's /etc at the bottom, the host's files (its seed folder) above, and on top the
 * writable layer on the host's own small tmpfs disk. /opt, /dev/shm, /root and /run (hence
 * /var/run) are the host's own folders.
 */
export interface HostNamespace {
  pid: number
  /** The host's /etc as the host sees it, reachable from outside. */
  etcDir: string
  /** The root of the host's disk (which holds the /etc upper layer), reachable from outside. */
  diskDir: string
}

const DISK_SIZE = '2m'
export const SSHD_ARGV = ['/usr/sbin/sshd', '-D', '-e', '-f', '/etc/ssh/sshd_config']

// $1 disk mount point, $2 etc seed, $3 opt, $4 shm, $5 root home, $6 run, $7 hostname, $8 sshd log.
// Everything is set up by this one shell (each process costs on a small machine). It keeps the
// disk open as fd 3 (once /run is covered, the only way to reach it from outside) and the log as
// fd 4, mounts /run last (it hides the lab's folder), starts sshd, and then holds the namespace:
// it reaps that first sshd if it is stopped, then becomes a sleep. Both it and sshd get SIGKILL
// when their parent dies (prctl PR_SET_PDEATHSIG, through setpriv).
const SETUP_SCRIPT = `set -e
mount -t tmpfs -o size=${DISK_SIZE},mode=0755 xo-xapi-config-lab "$1"
mkdir "$1/etc" "$1/overlay-work"
exec 3<"$1" 4>>"$8"
mount -t overlay xo-xapi-config-lab -o "lowerdir=$2:/etc,upperdir=$1/etc,workdir=$1/overlay-work" /etc
mount --bind "$3" /opt
mount --bind "$4" /dev/shm
mount --bind "$5" /root
mount --bind "$6" /run
hostname "$7"
echo ready
setpriv --pdeathsig KILL ${SSHD_ARGV.join(' ')} >&4 2>&4 3<&- 4>&- &
wait || true
exec sleep infinity`

/** Sets up the host's namespace and starts its sshd (see SshServer.waitUntilListening). */
export async function startHostNamespace(layout: HostLayout, hostname: string): Promise<HostNamespace> {
  const holder = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', SETUP_SCRIPT, 'lab-host',
      layout.diskDir, layout.etcSeedDir, layout.optDir, layout.shmDir, layout.rootHomeDir, layout.runDir, hostname, layout.sshdLogPath],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  await waitUntilReady(holder)
  return { pid: holder.pid!, etcDir: `/proc/${holder.pid}/root/etc`, diskDir: `/proc/${holder.pid}/fd/3` }
}

function waitUntilReady(holder: ChildProcess): Promise<void> {
  let stderr = ''
  holder.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    createInterface({ input: holder.stdout! }).once('line', line => (line === 'ready' ? resolve() : reject(new Error(line))))
    holder.once('error', reject)
    holder.once('exit', code => reject(new Error(`host namespace setup exited with ${code}: ${stderr.trim()}`)))
  })
}

/** Command and arguments that run `argv` inside the namespace, dying with the lab process. */
export function inNamespace(namespace: HostNamespace, argv: string[]): [string, string[]] {
  return ['setpriv', ['--pdeathsig', 'KILL', 'nsenter', `--target=${namespace.pid}`, '--mount', '--uts', '--', ...argv]]
}
