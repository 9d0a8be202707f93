import { join } from 'node:path'

/** Where every lab keeps its state; one folder per lab, named after the lab's second address octet. */
export const LAB_ROOT = process.env.XO_XAPI_CONFIG_LAB_ROOT ?? '/run/xo-xapi-config-lab'

/**
 * A host's state folder. The folders marked → become that path inside the host's namespace. The
 * host's disk (a small tmpfs holding its /etc overlay layer) is mounted inside the namespace only,
 * so that nothing is left mounted on the machine if the lab process dies.
 */
export interface HostLayout {
  dir: string
  /** Mount point, inside the namespace, of the host's disk. */
  diskDir: string
  /** The host's own files of /etc as created: the overlay's layer between the machine's /etc and the disk. */
  etcSeedDir: string
  /** → /opt (holds xensource/bin and xensource/www) */
  optDir: string
  binDir: string
  wwwDir: string
  /** → /run, hence /var/run */
  runDir: string
  /** → /dev/shm */
  shmDir: string
  /** → /root */
  rootHomeDir: string
  /** A symbolic link, for people, to the host's /etc as the host sees it. */
  etcLink: string
  sshdLogPath: string
  /** sshd's PidFile, /run/sshd.pid inside the host. */
  sshdPidPath: string
}

export function hostLayout(labDir: string, poolNumber: number, hostNumber: number): HostLayout {
  const dir = join(labDir, 'hosts', `${poolNumber}-${hostNumber}`)
  const optDir = join(dir, 'opt')
  return {
    dir,
    diskDir: join(dir, 'disk'),
    etcSeedDir: join(dir, 'etc-seed'),
    optDir,
    binDir: join(optDir, 'xensource', 'bin'),
    wwwDir: join(optDir, 'xensource', 'www'),
    runDir: join(dir, 'run'),
    shmDir: join(dir, 'shm'),
    rootHomeDir: join(dir, 'root'),
    etcLink: join(dir, 'etc'),
    sshdLogPath: join(dir, 'sshd.log'),
    sshdPidPath: join(dir, 'run', 'sshd.pid'),
  }
}
