// One simulated pool: the database its master's XAPI holds (records, sessions, tasks), the XAPI
// of each of its hosts, and what the master does when a host's XAPI stops and starts
// (reference §5.4–5.6: tasks dropped, `enabled` and `agent_start_time` updated).
import { randomUUID } from 'node:crypto'

import type { SimPool, SoftwareVersion } from '../contract'
import { HostAgent, type AgentTimings } from './agent'
import { XapiError, handleInvalid, sessionInvalid } from './api/errors'
import type { LabClock, LabTimer } from './clock'
import { PoolDatabase } from './db/database'
import { apiVersion, hostMetricsRecord, hostRecord, newRef, poolRecord, unixTimeString } from './db/records'
import { PoolTasks } from './pool-tasks'
import { initialSshFields, withSshFields } from './ssh/fields'
import { GC_PERIOD_MS } from './tasks'

export const CLASSES = ['pool', 'host', 'host_metrics', 'task', 'VM', 'SR'] as const

const BOOTED_BEFORE_LAB_MS = 86_400_000

export class SimulatedPool {
  readonly db = new PoolDatabase(CLASSES)
  readonly ref = newRef()
  readonly agents: HostAgent[]
  private readonly hostRefs = new Map<string, string>()
  readonly tasks: PoolTasks
  private readonly sessions = new Map<string, string>()
  private gcTimer: LabTimer | undefined

  constructor(
    readonly spec: SimPool,
    readonly clock: LabClock,
    timings: AgentTimings
  ) {
    if (spec.hosts.length === 0) throw new Error(`pool ${spec.uuid} has no host`)
    this.tasks = new PoolTasks(this.db, clock)
    const bootTime = unixTimeString(clock.now() - BOOTED_BEFORE_LAB_MS)
    for (const host of spec.hosts) {
      const ref = newRef()
      const metricsRef = newRef()
      this.hostRefs.set(host.uuid, ref)
      this.db.insert('host_metrics', metricsRef, hostMetricsRecord(randomUUID(), clock.now()))
      const record = hostRecord(host, { metricsRef, enabled: false, agentStartTime: bootTime, bootTime })
      this.db.insert('host', ref, withSshFields(record, host.softwareVersion, initialSshFields(host.ssh, clock.now())))
    }
    this.db.insert('pool', this.ref, poolRecord(spec, this.hostRef(spec.hosts[0]!.uuid)))
    this.agents = spec.hosts.map(host => new HostAgent(host, this, timings))
  }

  get master(): HostAgent {
    return this.agents[0]!
  }

  isMaster(agent: HostAgent): boolean {
    return agent === this.master
  }

  get masterAddress(): string {
    return this.master.host.address
  }

  hostRef(hostUuid: string): string {
    const ref = this.hostRefs.get(hostUuid)
    if (ref === undefined) throw new Error(`no host ${hostUuid} in pool ${this.spec.uuid}`)
    return ref
  }

  agent(hostUuid: string): HostAgent | undefined {
    return this.agents.find(agent => agent.host.uuid === hostUuid)
  }

  agentByRef(hostRef: string): HostAgent {
    const agent = this.agents.find(candidate => this.hostRef(candidate.host.uuid) === hostRef)
    if (agent === undefined) throw handleInvalid('host', hostRef)
    return agent
  }

  // Sessions live in the master's memory only.

  login(username: string, password: string): string {
    const { credentials } = this.spec
    if (username !== credentials.username || password !== credentials.password) {
      throw new XapiError('SESSION_AUTHENTICATION_FAILED', [username, 'Authentication failure'])
    }
    const ref = newRef()
    this.sessions.set(ref, username)
    return ref
  }

  logout(sessionRef: string): void {
    this.sessions.delete(sessionRef)
  }

  assertSession(sessionRef: unknown): void {
    if (typeof sessionRef !== 'string' || !this.sessions.has(sessionRef)) throw sessionInvalid(String(sessionRef))
  }

  // Lifecycle of the hosts' XAPI, as seen from the pool database.

  onXapiStopping(agent: HostAgent): void {
    this.setHostFields(agent, { enabled: false })
    if (!this.isMaster(agent)) return
    // Tasks and sessions are PersistNothing: the master's restart loses them all.
    this.gcTimer?.cancel()
    this.gcTimer = undefined
    this.sessions.clear()
    this.tasks.dropAll()
  }

  onXapiStarted(agent: HostAgent): void {
    const previous = Number(this.hostField(agent, 'other_config').agent_start_time)
    // A lab restart can take less than a second: the start time must still grow, as XO waits for that.
    const startTime = Math.max(Math.floor(this.clock.now() / 1000), Math.floor(previous) + 1)
    this.setHostFields(agent, {
      enabled: false,
      other_config: { ...this.hostField(agent, 'other_config'), agent_start_time: unixTimeString(startTime * 1000) },
    })
    if (this.isMaster(agent)) {
      this.gcTimer = this.clock.every(GC_PERIOD_MS, () => this.tasks.gcPeriod(this.master.taskTimeouts()))
    } else {
      this.tasks.dropUnfinishedOn(this.hostRef(agent.host.uuid))
    }
  }

  onInitComplete(agent: HostAgent): void {
    this.setHostFields(agent, { enabled: true })
  }

  // Scenario controls.

  setHaEnabled(enabled: boolean): void {
    this.db.update('pool', this.ref, { ha_enabled: enabled })
  }

  setSoftwareVersion(agent: HostAgent, softwareVersion: SoftwareVersion): void {
    agent.host.softwareVersion = { ...softwareVersion }
    this.setHostFields(agent, { software_version: { ...softwareVersion }, ...apiVersion(softwareVersion) })
    // The SSH fields come and go with the version; new ones start at XAPI's defaults.
    const ref = this.hostRef(agent.host.uuid)
    this.db.replace('host', ref, withSshFields(this.db.get('host', ref)!, softwareVersion, initialSshFields({}, this.clock.now())))
  }

  close(): void {
    this.gcTimer?.cancel()
    this.db.close()
  }

  private hostField(agent: HostAgent, field: string): Record<string, string> {
    return this.db.get('host', this.hostRef(agent.host.uuid))![field] as Record<string, string>
  }

  private setHostFields(agent: HostAgent, changes: Record<string, unknown>): void {
    this.db.update('host', this.hostRef(agent.host.uuid), changes)
  }
}
