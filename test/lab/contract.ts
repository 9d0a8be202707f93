// The contract between the lab's two halves: the hosts (OpenSSH in mount namespaces, files,
// certificates, scripts; see hosts/) and the XAPI simulator (see xapi/). Tests and the
// harness use startLab() from ./index, never these types' implementations directly.

export type CertificateKind = 'self-signed' | 'ca-signed' | 'expired' | 'wrong-name'

export interface SoftwareVersion {
  product_version: string // '8.3.0' or '8.2.1'
  product_brand: 'XCP-ng'
  platform_version: string
  xapi: string // '26.1' or '1.249'
  xapi_build: string // '26.1.3' or '1.249.41'
  [key: string]: string
}

/** One simulated host as the XAPI simulator sees it. */
export interface SimHost {
  uuid: string
  name_label: string
  address: string // its own loopback address, e.g. 127.77.1.2
  /** Directory holding this host's `xapi.conf` and `xapi.conf.d/` (what the host sees as /etc), readable by the lab process. */
  etcDir: string
  /** This host's /var/run: the simulator writes `xapi_init_complete.cookie` here and listens on `lab-xapi.sock`. */
  runDir: string
  /** This host's /opt/xensource/www: `index.html` is the XO Lite page served on GET /. */
  wwwDir: string
  tls: { cert: string; key: string } // PEM
  softwareVersion: SoftwareVersion
  /** The host's sshd as systemd sees it; default: a stand-in that only remembers its state. */
  sshd?: SshService
  /** XAPI's SSH fields at the lab's start (hosts whose XAPI has them); defaults below. */
  ssh?: HostSshState
}

/** `systemctl start/stop/is-active sshd` of one host. */
export interface SshService {
  start(): Promise<void>
  stop(): Promise<void>
  isActive(): boolean
}

/** A host's SSH as XAPI manages it (XAPI ≥ 25.21). */
export interface HostSshState {
  /** `host.ssh_enabled`; false: sshd is stopped before XAPI starts. Default true. */
  enabled?: boolean
  /** `host.ssh_auto_mode` (XAPI ≥ 25.27). Default false, as XCP-ng 8.3's `ssh-auto-mode.conf` sets. */
  autoMode?: boolean
  /** `host.ssh_enabled_timeout`, seconds (0..172800). Default 0. */
  enabledTimeout?: number
  /** `host.console_idle_timeout`, seconds. Default 0. */
  consoleIdleTimeout?: number
}

export interface SimPool {
  uuid: string
  name_label: string
  hosts: SimHost[] // hosts[0] is the master
  credentials: { username: string; password: string }
}

export type ProgressMode = 'moving' | 'stuck'

export interface TaskSpec {
  name_label: string
  hostUuid?: string // resident_on; default: the master
  progress?: number // initial progress, 0..1
  mode?: ProgressMode // 'moving' advances progress at every GC period; default 'stuck'
}

export type XapiState = 'up' | 'starting' | 'down'

export interface RestartOutcome {
  state: XapiState
  exitCode?: 1 | 2 // when XAPI could not start (bad config)
  stderr?: string
}

/** An operation in progress on a VM: a pending task plus the VM's `current_operations` entry. */
export interface VmOperationSpec {
  /** The VM's name_label: an existing lab VM of that name is reused, else one is created. */
  vmName: string
  /** A `vm_operations` value: 'export', 'migrate_send', 'snapshot', 'checkpoint', 'clone', 'copy'… */
  operation: string
  /** The task's name_label; default `VM.<operation>`. */
  taskName?: string
  /** Where the VM runs and the task is resident; default: the master. */
  hostUuid?: string
  mode?: ProgressMode
}
