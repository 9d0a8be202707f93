// The lab's public interface, for tests, the demo and benchmarks (see index.ts and cli.ts).
import type { CertificateKind, HostSshState } from './contract'
import type { XcpngRelease } from './hosts/versions'
import type { XapiSimOptions } from './xapi'

export type { CertificateKind } from './contract'

/** A host's SSH as XAPI manages it, at the lab's start (ignored on hosts whose XAPI predates it: XCP-ng 8.2). */
export type HostSshOptions = HostSshState

/** SSH off, XAPI's auto mode on (SSH opens only while XAPI is down), as XenServer 9 ships. */
export const HARDENED_SSH: Readonly<HostSshOptions> = Object.freeze({ enabled: false, autoMode: true })
export type { XcpngRelease } from './hosts/versions'

export interface HostOptions {
  certificate?: CertificateKind
  release?: XcpngRelease
  /** Writes `disable-webserver = true` in the host's /etc/xapi.conf: no XO Lite page. */
  webserverDisabled?: boolean
  /** Overrides the pool's and the lab's `ssh`, field by field. */
  ssh?: HostSshOptions
}

export interface PoolOptions {
  /** A host count, or one entry per host (the first is the master). Default: `hostsPerPool`. */
  hosts?: number | HostOptions[]
  /** Default for the pool's hosts. */
  release?: XcpngRelease
  /** Default for the pool's hosts, field by field. */
  ssh?: HostSshOptions
}

export interface LabOptions {
  /** A pool count, or one entry per pool. Default: 1. */
  pools?: number | PoolOptions[]
  /** Default: 3. */
  hostsPerPool?: number
  /** Default for every host: `8.3`. */
  release?: XcpngRelease
  /** Default for every host: SSH enabled, no timeout, auto mode off (XCP-ng 8.3). See HARDENED_SSH. */
  ssh?: HostSshOptions
  /** Default for every host: `self-signed`, as on a fresh XCP-ng host. */
  certificate?: CertificateKind
  /** How much faster than real time the simulated XAPIs' clock runs (task timeouts). Default: 1. */
  clockSpeed?: number
  /** Second octet of the lab's addresses (127.<octet>.<pool>.<host>). Default: the first free from 77. */
  secondOctet?: number
  /** How many hosts are set up at once. Default: 16. */
  startConcurrency?: number
  /** The simulated XAPIs' restart and initialisation delays (see the simulator's README). */
  xapiTimings?: XapiSimOptions['timings']
}

export interface LabSshAccess {
  port: number
  username: string
  password: string
  privateKeyPath: string
  privateKey: string
  /** As OpenSSH prints it: `SHA256:…`. */
  hostKeyFingerprint: string
}

export interface LabHost {
  uuid: string
  name_label: string
  address: string
  poolUuid: string
  isMaster: boolean
  release: XcpngRelease
  ssh: LabSshAccess
  https: { port: number; certificate: CertificateKind }
}

export interface LabPool {
  uuid: string
  name_label: string
  /** The master's host uuid. */
  master: string
  hosts: LabHost[]
  xapi: { url: string; username: string; password: string }
}

/** The JSON file `npm run lab -- --manifest FILE` writes (README: "The lab manifest"). */
export interface LabManifest {
  caCertificatePath: string
  pools: Array<
    Pick<LabPool, 'uuid' | 'name_label' | 'master' | 'xapi'> & {
      hosts: Array<
        Pick<LabHost, 'uuid' | 'name_label' | 'address' | 'https'> & { ssh: Omit<LabSshAccess, 'privateKey'> }
      >
    }
  >
}
