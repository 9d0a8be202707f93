// Runs commands on lab hosts with the real OpenSSH client, as a person or a CI job would.
import { capture, type CommandResult } from './hosts/run'
import type { LabHost } from './types'

export type { CommandResult } from './hosts/run'

/** Key login, host key checked strictly against `knownHostsPath`; never prompts. */
export function runOverOpenSsh(host: LabHost, knownHostsPath: string, command: string): Promise<CommandResult> {
  const options = [
    'BatchMode=yes',
    'StrictHostKeyChecking=yes',
    `UserKnownHostsFile=${knownHostsPath}`,
    'GlobalKnownHostsFile=/dev/null',
    'ConnectTimeout=10',
    'LogLevel=ERROR',
  ]
  const args = [...options.flatMap(option => ['-o', option]), '-i', host.ssh.privateKeyPath, '-p', String(host.ssh.port)]
  return capture('ssh', [...args, `${host.ssh.username}@${host.address}`, command])
}
