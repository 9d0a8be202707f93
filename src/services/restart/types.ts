// The shapes a restart is described with: what the caller asks, what the preflight finds, what the roll
// reports. They are returned as is by the API, so every field is plain JSON.
import type { SshAfterRestart } from '../xapi-ssh/restart-check'
import type { HostRef } from '../fleet'
import type { XoUser } from '../../xo/types'
import type { TaskKind } from './classify'

/** 'toolstack': `xe-toolstack-restart` over SSH; 'agent': XAPI's `host.restart_agent` (no SSH). */
export type RestartMode = 'toolstack' | 'agent'

export interface RestartScope {
  pool?: string
  hosts?: string[]
}

export interface RestartOptions {
  /** Default: 'toolstack' when SSH access is configured, else 'agent'. */
  mode?: RestartMode
  /** Restart even though tasks, jobs or transfers would be lost (never overrides a blocker). */
  bypassTaskCheck?: boolean
  /** Restart the master first instead of last. */
  masterFirst?: boolean
  /** Seconds to wait for each host's XAPI to come back; default: settings.timeouts.restart. */
  timeout?: number
}

/** Who asks and why: logged with a bypass and shown in the XO task. */
export interface RestartContext {
  user?: XoUser
  /** What the restart is for, e.g. `apply of change 42`; default: a plain restart. */
  reason?: string
}

export interface NamedObject {
  id: string
  label: string
}

/** A pending XAPI task that the restart would destroy. */
export interface TaskAtRisk {
  ref: string
  uuid: string
  name: string
  kind: TaskKind
  status: string
  /** 0..1 */
  progress: number
  createdAt?: string
  ageSeconds?: number
  host?: NamedObject
  why: string
  /** false for housekeeping calls (SR.scan, host.call_plugin): listed, but they never refuse a restart. */
  blocking: boolean
}

/** A VM whose `current_operations` show a transfer that the restart would cut. */
export interface VmTransferAtRisk {
  vm: NamedObject
  operation: string
  kind: TaskKind
  taskRef: string
  host?: NamedObject
  why: string
}

/** An XO job that is running now (it has a `runId`), with the pools it works on. */
export interface RunningJob {
  id: string
  name?: string
  type: string
  runId: string
  /** Pools the job reads or writes; undefined when its VM selection cannot tell (smart mode without a pool filter). */
  pools?: string[]
  concernsPool: boolean
  why: string
}

/** A pending XO task (xo.tasks) whose object is the pool, one of its hosts or one of its VMs. */
export interface XoTaskAtRisk {
  id: string
  name?: string
  type?: string
  objectId?: string
  startedAt: string
  why: string
}

export type BlockerCode = 'haEnabled' | 'configWouldNotStart' | 'restartRunning' | 'unreachable'

/** What refuses a restart whatever the options say. */
export interface Blocker {
  code: BlockerCode
  host?: NamedObject
  message: string
  problems?: ConfigProblem[]
}

/** One finding of the startup linter on a host's current files. */
export interface ConfigProblem {
  file: string
  line?: number
  key?: string
  message: string
}

/** What a host's files predict for XAPI's next start. */
export interface StartupPrediction {
  starts: boolean
  /** XAPI's exit code when it would not start (1: bad int or float, 2: bad bool or unreadable entry). */
  exitCode?: number
  problems: ConfigProblem[]
}

export interface Preflight {
  pool: NamedObject
  /** The hosts in the order they would restart. */
  order: HostRef[]
  mode: RestartMode
  modeReason: string
  tasksAtRisk: TaskAtRisk[]
  vmTransfers: VmTransferAtRisk[]
  jobs: RunningJob[]
  xoTasks: XoTaskAtRisk[]
  blockers: Blocker[]
  warnings: string[]
  /** Something would be lost: the restart needs `bypassTaskCheck`. */
  needsBypass: boolean
  /** No blocker: the restart can run (with `bypassTaskCheck` if `needsBypass`). */
  canRestart: boolean
}

/** `refused`: the restart gate stopped the roll before this host, which was not touched. */
export type HostOutcome = 'restarted' | 'failed' | 'refused' | 'notAttempted'

export interface HostRestartResult {
  host: HostRef
  outcome: HostOutcome
  durationMs?: number
  agentStartTime?: { before?: number; after?: number }
  error?: { code?: number | string; message: string; data?: unknown }
  diagnosis?: Diagnosis
  /** For a `refused` host: what the restart gate read before it. */
  gate?: Preflight
  /** The host's SSH (XAPI 25.21+) before and after its restart, and what the plugin did about it. */
  ssh?: SshAfterRestart
}

/** For a host whose XAPI did not come back: what its files predict (when they could be read) and what to do. */
export interface Diagnosis {
  prediction?: StartupPrediction
  advice: string[]
}

export interface RestartReport {
  pool: NamedObject
  mode: RestartMode
  ok: boolean
  durationMs: number
  hosts: HostRestartResult[]
  /** What went well enough not to fail the restart, but should be known (XO slow to show the pool again…). */
  warnings?: string[]
  bypassed?: { by?: string; tasks: number; jobs: number; vmTransfers: number; xoTasks: number }
}
