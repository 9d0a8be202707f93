// The preflight of a restart, as a pure function of what was read from XAPI, XO and the hosts: what
// would be lost (reference xapi-config-toolstack.md §5.6: a master restart loses every task of the
// pool, a member restart the tasks resident on it), what forbids the restart outright, and the order.
import { hostRef } from '../fleet'
import { compareNatural } from '../../util/natural-order'
import type { HostTarget, PoolTarget } from '../../xo/targets'
import { classifyTaskName, classifyVmOperation, isHousekeepingTask, isLiveTaskStatus } from './classify'
import type {
  Blocker,
  NamedObject,
  Preflight,
  RestartMode,
  RunningJob,
  StartupPrediction,
  TaskAtRisk,
  VmTransferAtRisk,
  XoTaskAtRisk,
} from './types'

/** A task record as XAPI returns it (`task.get_all_records`), with its ref. */
export interface XapiTaskRecord {
  ref: string
  uuid: string
  name_label: string
  status: string
  progress: number
  created?: string
  resident_on?: string
}

export interface VmRecord {
  id: string
  label: string
  residentOn?: string
  /** task ref → operation, as in XAPI's `VM.current_operations`. */
  currentOperations: Record<string, string>
}

/** What could be learnt of one host before restarting it. */
export type HostCheck =
  | { reachable: true; prediction?: StartupPrediction }
  | { reachable: false; error: string }

export interface PreflightFacts {
  /** The whole pool, master first: task hosts are named from it even when only some hosts restart. */
  pool: PoolTarget
  /** The hosts to restart. */
  hosts: HostTarget[]
  xapiTasks: XapiTaskRecord[]
  vms: VmRecord[]
  jobs: RunningJob[]
  xoTasks: XoTaskAtRisk[]
  hostChecks: Map<string, HostCheck>
  /** Set when a restart of this pool is under way. */
  runningRestart?: string
  /** What the reading itself could not establish (files not checked…). */
  warnings: string[]
  now: number
}

export interface PreflightChoices {
  mode: RestartMode
  modeReason: string
  masterFirst?: boolean
}

export function buildPreflight(facts: PreflightFacts, choices: PreflightChoices): Preflight {
  const scope = new RestartSet(facts)
  const tasks = tasksAtRisk(facts, scope)
  const vmTransfers = vmTransfersAtRisk(facts, scope)
  const jobs = facts.jobs
  const blockers = blockersOf(facts)
  const needsBypass =
    tasks.some(task => task.blocking) ||
    vmTransfers.length > 0 ||
    jobs.some(job => job.concernsPool) ||
    facts.xoTasks.length > 0
  return {
    pool: { id: facts.pool.id, label: facts.pool.label },
    order: restartOrder(facts.hosts, choices.masterFirst === true).map(hostRef),
    mode: choices.mode,
    modeReason: choices.modeReason,
    tasksAtRisk: tasks,
    vmTransfers,
    jobs,
    xoTasks: facts.xoTasks,
    blockers,
    warnings: warningsOf(facts, tasks),
    needsBypass,
    canRestart: blockers.length === 0,
  }
}

/** Members first (a bad config shows up without taking the pool's API down), the master last, or first on request. */
export function restartOrder(hosts: readonly HostTarget[], masterFirst: boolean): HostTarget[] {
  const members = hosts.filter(host => !host.isMaster).sort((a, b) => compareNatural(a.label, b.label))
  const master = hosts.filter(host => host.isMaster)
  return masterFirst ? [...master, ...members] : [...members, ...master]
}

/** Which hosts restart, by XAPI ref, and why a task or a VM operation on a given host would be lost. */
class RestartSet {
  readonly #byRef: Map<string, HostTarget>
  readonly #restarting: Set<string>
  readonly #master: HostTarget | undefined

  constructor({ pool, hosts }: PreflightFacts) {
    this.#byRef = new Map(pool.hosts.map(host => [host.xapiRef, host]))
    this.#restarting = new Set(hosts.map(host => host.xapiRef))
    this.#master = hosts.find(host => host.isMaster)
  }

  host(ref: string | undefined): NamedObject | undefined {
    const host = ref === undefined ? undefined : this.#byRef.get(ref)
    return host === undefined ? undefined : { id: host.id, label: host.label }
  }

  /** Why work done on `hostRefs` would be lost, or undefined when it survives the restart. */
  lossReason(...hostRefs: Array<string | undefined>): string | undefined {
    if (this.#master !== undefined) {
      return `the master (${this.#master.label}) restarts: XAPI keeps no task across a master restart`
    }
    const host = hostRefs.find(ref => ref !== undefined && this.#restarting.has(ref))
    return host === undefined
      ? undefined
      : `runs on ${this.#byRef.get(host)!.label}, which restarts: XAPI cancels its tasks when it rejoins the pool`
  }
}

function tasksAtRisk(facts: PreflightFacts, scope: RestartSet): TaskAtRisk[] {
  return facts.xapiTasks.flatMap(task => {
    const why = isLiveTaskStatus(task.status) ? scope.lossReason(task.resident_on) : undefined
    if (why === undefined) {
      return []
    }
    const createdMs = parseXapiDate(task.created)
    const housekeeping = isHousekeepingTask(task.name_label)
    return [
      {
        ref: task.ref,
        uuid: task.uuid,
        name: task.name_label,
        kind: classifyTaskName(task.name_label),
        status: task.status,
        progress: task.progress,
        createdAt: createdMs === undefined ? undefined : new Date(createdMs).toISOString(),
        ageSeconds: createdMs === undefined ? undefined : Math.max(0, Math.round((facts.now - createdMs) / 1000)),
        host: scope.host(task.resident_on),
        why: housekeeping ? `${why} (a routine call, listed but not refusing the restart)` : why,
        blocking: !housekeeping,
      },
    ]
  })
}

function vmTransfersAtRisk(facts: PreflightFacts, scope: RestartSet): VmTransferAtRisk[] {
  const taskHosts = new Map(facts.xapiTasks.map(task => [task.ref, task.resident_on]))
  return facts.vms.flatMap(vm =>
    Object.entries(vm.currentOperations).flatMap(([taskRef, operation]) => {
      const kind = classifyVmOperation(operation)
      const why = kind === undefined ? undefined : scope.lossReason(taskHosts.get(taskRef), vm.residentOn)
      if (kind === undefined || why === undefined) {
        return []
      }
      const host = scope.host(taskHosts.get(taskRef)) ?? scope.host(vm.residentOn)
      return [{ vm: { id: vm.id, label: vm.label }, operation, kind, taskRef, host, why }]
    })
  )
}

function blockersOf(facts: PreflightFacts): Blocker[] {
  const blockers: Blocker[] = []
  if (facts.pool.haEnabled) {
    blockers.push({
      code: 'haEnabled',
      message:
        `HA is enabled on pool ${facts.pool.label}: restarting a toolstack would fence the host. ` +
        'Disable HA, restart, then enable HA again.',
    })
  }
  if (facts.runningRestart !== undefined) {
    blockers.push({ code: 'restartRunning', message: facts.runningRestart })
  }
  for (const host of facts.hosts) {
    const blocker = hostBlocker(host, facts.hostChecks.get(host.id))
    if (blocker !== undefined) {
      blockers.push(blocker)
    }
  }
  return blockers
}

function hostBlocker(host: HostTarget, check: HostCheck | undefined): Blocker | undefined {
  const named = { id: host.id, label: host.label }
  if (check === undefined || check.reachable) {
    const prediction = check?.prediction
    if (prediction === undefined || prediction.starts) {
      return undefined
    }
    return {
      code: 'configWouldNotStart',
      host: named,
      message: `${host.label}: XAPI would not start with its current files${exitCodeText(prediction)}: ${problemsText(prediction)}`,
      problems: prediction.problems,
    }
  }
  return { code: 'unreachable', host: named, message: `${host.label} cannot be reached: ${check.error}` }
}

function exitCodeText({ exitCode }: StartupPrediction): string {
  return exitCode === undefined ? '' : ` (it would exit with code ${exitCode})`
}

export function problemsText({ problems }: StartupPrediction): string {
  return problems
    .map(({ file, line, key, message }) => {
      const where = line === undefined ? file : `${file} line ${line}`
      return key === undefined ? `${where}: ${message}` : `${where}, key ${key}: ${message}`
    })
    .join('; ')
}

function warningsOf(facts: PreflightFacts, tasks: TaskAtRisk[]): string[] {
  const warnings = [...facts.warnings]
  for (const host of facts.hosts.filter(host => !host.enabled)) {
    warnings.push(
      `${host.label} is disabled: XAPI enables it again when it starts unless it was disabled persistently; ` +
        'the restart waits for its agent only, not for it to be enabled'
    )
  }
  const routine = tasks.filter(task => !task.blocking).length
  if (routine > 0) {
    warnings.push(`${routine} routine task(s) (SR.scan, host.call_plugin) will be cut; their callers retry them`)
  }
  return warnings
}

/** One line per thing at risk: what, where, how far along; for the refusal's message. */
export function describeRisks(preflight: Preflight): string[] {
  const tasks = preflight.tasksAtRisk
    .filter(task => task.blocking)
    .map(task => `XAPI task "${task.name}" (${task.kind}) on ${task.host?.label ?? 'an unknown host'}, ${percent(task.progress)} done${ageText(task.ageSeconds)}`)
  const transfers = preflight.vmTransfers.map(({ vm, operation, host }) => `VM ${vm.label}: ${operation}${host === undefined ? '' : ` on ${host.label}`}`)
  const jobs = preflight.jobs
    .filter(job => job.concernsPool)
    .map(job => `XO ${job.type} job "${job.name ?? job.id}" is running (${job.why})`)
  const xoTasks = preflight.xoTasks.map(task => `XO task "${task.name ?? task.id}" is pending (${task.why})`)
  return [...tasks, ...transfers, ...jobs, ...xoTasks]
}

function percent(progress: number): string {
  return `${Math.round(progress * 100)}%`
}

function ageText(ageSeconds: number | undefined): string {
  if (ageSeconds === undefined) {
    return ''
  }
  return ageSeconds < 120 ? `, started ${ageSeconds} s ago` : `, started ${Math.round(ageSeconds / 60)} min ago`
}

const XAPI_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?Z$/

/** XAPI's datetime (`20260821T10:00:00Z`, hyphens omitted) or an ISO date, in ms; undefined for the epoch or junk. */
export function parseXapiDate(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined
  }
  const match = XAPI_DATE.exec(text)
  const ms = match === null ? Date.parse(text) : Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6])
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms
}
