// The lab's XAPI simulator: every host of every simulated pool gets its own XAPI (JSON-RPC,
// web server, configuration files, restarts), all served by this one process.
// See docs/xapi-simulator.md for what is simulated and how faithfully.
import type { RestartOutcome, SimPool, SoftwareVersion, TaskSpec, VmOperationSpec, XapiState } from '../contract'
import { DEFAULT_TIMINGS, type AgentTimings, type HostAgent } from './agent'
import { LabClock } from './clock'
import { ControlSocket } from './control-socket'
import { SimulatedPool } from './pool'
import type { FinishedStatus } from './pool-tasks'
import type { SshServicesState } from './ssh/host-ssh'

export { CONTROL_SOCKET_NAME } from './control-socket'
export { SSH_MONITOR_PERIOD_MS, type SshServicesState } from './ssh/host-ssh'
export { RestartInProgressError } from './agent'
export type { FinishedStatus } from './pool-tasks'

export interface XapiSimOptions {
  pools: SimPool[]
  /** Lab time runs this many times faster than real time (default 1). */
  clockSpeed?: number
  /** Restart and initialisation delays, in real ms. */
  timings?: Partial<AgentTimings>
}

export interface LabClockControl {
  /** Lab time in ms since the epoch: record dates and the task GC follow it. */
  now(): number
  readonly speed: number
  /**
   * Jumps lab time forward: the task GC runs once for every 30 s period skipped, SSH disable jobs
   * and SSH monitor passes that fell due run; resolves once their sshd starts and stops are done.
   */
  advance(ms: number): Promise<void>
  /** Resolves once what the clock's timers started (sshd starts and stops) has finished. */
  settled(): Promise<void>
}

export interface XapiSim {
  /** A toolstack restart, as xe-toolstack-restart or host.restart_agent does it. */
  restartHost(hostUuid: string): Promise<RestartOutcome>
  stopXapi(hostUuid: string): Promise<void>
  startXapi(hostUuid: string): Promise<RestartOutcome>
  /** A pending task standing for an operation in progress on a host (default: the master). */
  createTask(poolUuid: string, spec: TaskSpec): Promise<string>
  /** An operation in progress on a VM: a task plus the VM's `current_operations` entry, which goes with the task. */
  createVmOperation(poolUuid: string, spec: VmOperationSpec): Promise<{ vmRef: string; taskRef: string }>
  /** Ends a task's operation: status, progress 1, `finished` now. */
  finishTask(poolUuid: string, taskRef: string, status?: FinishedStatus): void
  setHaEnabled(poolUuid: string, enabled: boolean): void
  setSoftwareVersion(hostUuid: string, softwareVersion: SoftwareVersion): void
  /** Delays every HTTP response of the host's XAPI by `delayMs` (0 to stop). */
  setSlow(hostUuid: string, delayMs: number): void
  state(hostUuid: string): XapiState
  /** The state plus, when XAPI failed to start, its exit code and stderr. */
  status(hostUuid: string): RestartOutcome
  hostRef(hostUuid: string): string
  poolRef(poolUuid: string): string
  /** Resolves once the host's XAPI completed its initialisation (or stopped). */
  initialised(hostUuid: string): Promise<void>
  /** What systemd would say of the host's sshd and xapi-ssh-monitor, and XAPI's pending "Disable SSH" job. */
  sshServices(hostUuid: string): SshServicesState
  readonly clock: LabClockControl
  close(): Promise<void>
}

export async function startXapiSim(options: XapiSimOptions): Promise<XapiSim> {
  const clock = new LabClock(options.clockSpeed ?? 1)
  const timings = { ...DEFAULT_TIMINGS, ...options.timings }
  const pools = options.pools.map(spec => new SimulatedPool(spec, clock, timings))
  const agents = pools.flatMap(pool => pool.agents)
  const sockets = agents.map(agent => new ControlSocket(agent))
  const sim = new Sim(pools, clock, sockets)
  try {
    await Promise.all(sockets.map(socket => socket.listen()))
    await Promise.all(agents.map(agent => agent.ssh.prepare()))
    await Promise.all(agents.map(agent => agent.start()))
    const unbound = agents.filter(agent => agent.bindError !== undefined)
    if (unbound.length > 0) {
      throw new Error(`cannot listen: ${unbound.map(agent => `${agent.host.address} (${agent.bindError!.message})`).join(', ')}`)
    }
    await Promise.all(agents.map(agent => agent.initialised()))
    await clock.settled()
  } catch (error) {
    await sim.close()
    throw error
  }
  return sim
}

class Sim implements XapiSim {
  constructor(
    private readonly pools: SimulatedPool[],
    readonly clock: LabClock,
    private readonly sockets: ControlSocket[]
  ) {}

  restartHost = (hostUuid: string) => this.agent(hostUuid).restart()
  stopXapi = (hostUuid: string) => this.agent(hostUuid).stop()
  startXapi = (hostUuid: string) => this.agent(hostUuid).start()
  state = (hostUuid: string) => this.agent(hostUuid).state
  status = (hostUuid: string) => this.agent(hostUuid).status()
  initialised = (hostUuid: string) => this.agent(hostUuid).initialised()
  sshServices = (hostUuid: string) => this.agent(hostUuid).ssh.services()
  hostRef = (hostUuid: string) => this.poolOf(hostUuid).hostRef(hostUuid)
  poolRef = (poolUuid: string) => this.pool(poolUuid).ref

  async createTask(poolUuid: string, spec: TaskSpec): Promise<string> {
    const pool = this.runningPool(poolUuid)
    return pool.tasks.createOperation(spec, pool.hostRef(spec.hostUuid ?? pool.master.host.uuid))
  }

  async createVmOperation(poolUuid: string, spec: VmOperationSpec): Promise<{ vmRef: string; taskRef: string }> {
    const pool = this.runningPool(poolUuid)
    return pool.tasks.createVmOperation(spec, pool.hostRef(spec.hostUuid ?? pool.master.host.uuid))
  }

  finishTask(poolUuid: string, taskRef: string, status: FinishedStatus = 'success'): void {
    this.pool(poolUuid).tasks.complete(taskRef, status)
  }

  setHaEnabled(poolUuid: string, enabled: boolean): void {
    this.pool(poolUuid).setHaEnabled(enabled)
  }

  setSoftwareVersion(hostUuid: string, softwareVersion: SoftwareVersion): void {
    this.poolOf(hostUuid).setSoftwareVersion(this.agent(hostUuid), softwareVersion)
  }

  setSlow(hostUuid: string, delayMs: number): void {
    this.agent(hostUuid).slowMs = delayMs
  }

  async close(): Promise<void> {
    this.clock.close()
    await this.clock.settled()
    await Promise.all(this.sockets.map(socket => socket.close()))
    await Promise.all(this.pools.flatMap(pool => pool.agents.map(agent => agent.close())))
    for (const pool of this.pools) pool.close()
  }

  private pool(poolUuid: string): SimulatedPool {
    const pool = this.pools.find(candidate => candidate.spec.uuid === poolUuid)
    if (pool === undefined) throw new Error(`no simulated pool ${poolUuid}`)
    return pool
  }

  /** Tasks live in the master's memory: none can be created while it is down. */
  private runningPool(poolUuid: string): SimulatedPool {
    const pool = this.pool(poolUuid)
    if (!pool.master.running) throw new Error(`the master of pool ${poolUuid} is down: it holds the tasks`)
    return pool
  }

  private poolOf(hostUuid: string): SimulatedPool {
    const pool = this.pools.find(candidate => candidate.agent(hostUuid) !== undefined)
    if (pool === undefined) throw new Error(`no simulated host ${hostUuid}`)
    return pool
  }

  private agent(hostUuid: string): HostAgent {
    return this.poolOf(hostUuid).agent(hostUuid)!
  }
}
