import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

import type { HostLayout } from './layout'

/**
 * The mount (and UTS) namespace of one host, kept alive by a `sleep` that holds it independently
 * of sshd. Inside it: /etc is an overlay (the machine's /etc below, the host's own files above,
 * one mount so that renames from /etc into /etc/xapi.conf.d work), and /opt, /dev/shm, /root and
 * /run (hence /var/run) are the host's own folders.
 */
export interface HostNamespace {
  pid: number
  /** The host's file system as seen from outside, e.g. `${root}/etc/ssh`. */
  root: string
}

// Positional parameters: $1 etc upper, $2 overlay work, $3 opt, $4 shm, $5 root home, $6 run, $7 hostname.
// /run comes last: it hides the lab's folder, which the other mounts read from.
const SETUP_SCRIPT = `set -e
mount -t overlay xo-xapi-config-lab -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc
mount --bind "$3" /opt
mount --bind "$4" /dev/shm
mount --bind "$5" /root
mount --bind "$6" /run
hostname "$7"
echo ready
exec sleep infinity`

/** The holder gets SIGKILL when the lab process dies (prctl PR_SET_PDEATHSIG, through setpriv). */
export async function startHostNamespace(layout: HostLayout, hostname: string): Promise<HostNamespace> {
  const holder = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', SETUP_SCRIPT, 'lab-host',
      layout.etcDir, layout.overlayWorkDir, layout.optDir, layout.shmDir, layout.rootHomeDir, layout.runDir, hostname],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  await waitUntilReady(holder)
  return { pid: holder.pid!, root: `/proc/${holder.pid}/root` }
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
