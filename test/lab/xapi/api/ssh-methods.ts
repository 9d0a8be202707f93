// host.enable_ssh, disable_ssh, set_ssh_enabled_timeout, set_console_idle_timeout, set_ssh_auto_mode
// and their pool.* twins, which run the host call on every host and list the hosts where it
// failed (xen-api xapi_pool.ml `Ssh.operate`). A XAPI too old for a call does not know it.
import type { SoftwareVersion } from '../../contract'
import type { HostAgent } from '../agent'
import { hasSshFeature, type SshFeature } from '../ssh/features'
import type { HostSsh } from '../ssh/host-ssh'
import { XapiError, methodUnknown } from './errors'
import { refOf, withSession, type CallContext, type Method } from './method'

interface SshCall {
  feature: SshFeature
  /** The type of the call's value parameter, if it has one. */
  value?: 'int' | 'bool'
  run(ssh: HostSsh, value: unknown): Promise<void> | void
  /** What the pool call raises, with the refs of the hosts where the call failed. */
  poolError: string
}

const CALLS: Record<string, SshCall> = {
  enable_ssh: { feature: 'enable', run: ssh => ssh.enable(), poolError: 'ENABLE_SSH_PARTIALLY_FAILED' },
  disable_ssh: { feature: 'enable', run: ssh => ssh.disable(), poolError: 'DISABLE_SSH_PARTIALLY_FAILED' },
  set_ssh_enabled_timeout: {
    feature: 'timeouts',
    value: 'int',
    run: (ssh, value) => ssh.setEnabledTimeout(value as number),
    poolError: 'SET_SSH_TIMEOUT_PARTIALLY_FAILED',
  },
  set_console_idle_timeout: {
    feature: 'timeouts',
    value: 'int',
    run: (ssh, value) => ssh.setConsoleIdleTimeout(value as number),
    poolError: 'SET_CONSOLE_TIMEOUT_PARTIALLY_FAILED',
  },
  set_ssh_auto_mode: {
    feature: 'autoMode',
    value: 'bool',
    run: (ssh, value) => ssh.setAutoMode(value as boolean),
    poolError: 'SET_SSH_AUTO_MODE_PARTIALLY_FAILED',
  },
}

const CLASSES = ['host', 'pool'] as const

/** The SSH method `name` (`host.enable_ssh`…) if the receiving XAPI's version has it. */
export function sshMethod(name: string, softwareVersion: SoftwareVersion): Method | undefined {
  const [cls, action] = name.split('.') as [string, string | undefined]
  const call = action === undefined ? undefined : CALLS[action]
  if (call === undefined || !CLASSES.includes(cls as 'host') || !hasSshFeature(softwareVersion, call.feature)) return undefined
  const arity = call.value === undefined ? 2 : 3
  return withSession(arity, cls === 'host' ? onHostMethod(name, call) : onPoolMethod(name, call))
}

export function sshMethodNames(softwareVersion: SoftwareVersion): string[] {
  const actions = Object.keys(CALLS).filter(action => hasSshFeature(softwareVersion, CALLS[action]!.feature))
  return CLASSES.flatMap(cls => actions.map(action => `${cls}.${action}`))
}

function onHostMethod(name: string, call: SshCall): Method['run'] {
  return async (context, [, hostRef, value]) => {
    const parsed = parseValue(call, value)
    const target = context.pool.agentByRef(refOf(context, 'host', hostRef).ref)
    await runOn(target, name, call, parsed)
    return ''
  }
}

function onPoolMethod(name: string, call: SshCall): Method['run'] {
  return async (context: CallContext, [, poolRef, value]) => {
    const parsed = parseValue(call, value)
    refOf(context, 'pool', poolRef)
    const failed: string[] = []
    for (const agent of context.pool.agents) {
      try {
        await runOn(agent, name.replace(/^pool\./, 'host.'), call, parsed)
      } catch {
        failed.unshift(context.pool.hostRef(agent.host.uuid))
      }
    }
    if (failed.length > 0) throw new XapiError(call.poolError, failed)
    return ''
  }
}

/** The master forwards the call to the host's own XAPI, which must be up and know the call. */
async function runOn(target: HostAgent, name: string, call: SshCall, value: unknown): Promise<void> {
  if (!target.running) throw new XapiError('CANNOT_CONTACT_HOST', [target.hostRef])
  if (!hasSshFeature(target.host.softwareVersion, call.feature)) throw methodUnknown(name)
  await call.run(target.ssh, value)
}

function parseValue(call: SshCall, value: unknown): unknown {
  if (call.value === 'bool') {
    if (typeof value !== 'boolean') throw new XapiError('FIELD_TYPE_ERROR', ['value'])
    return value
  }
  if (call.value === 'int') {
    const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new XapiError('FIELD_TYPE_ERROR', ['value'])
    return number
  }
  return undefined
}
