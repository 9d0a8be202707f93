// A lab host's identity and settings, decided before it is created, and what all hosts of a lab share.
import type { CertificateKind, HostSshState } from '../contract'
import type { LabCa } from './certificates'
import type { XcpngRelease } from './versions'

export interface HostSpec {
  poolNumber: number
  hostNumber: number
  uuid: string
  name_label: string
  address: string
  /** Undefined for the master. */
  masterAddress: string | undefined
  release: XcpngRelease
  webserverDisabled: boolean
  certificate: CertificateKind
  /** XAPI's SSH state at start (hosts whose XAPI manages SSH). */
  ssh: HostSshState
}

/** What every host of a lab shares. */
export interface LabSecrets {
  ca: LabCa
  /** The machine's /etc/shadow with the lab's root password. */
  shadow: string
  authorizedKeys: string
}

