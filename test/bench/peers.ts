// The tools admins use instead of the plugin, run on the same lab: parallel-ssh and Ansible with 16 at
// once, a sequential ssh/curl loop, xargs -P16 curl, and the floor (./floor.ts). Each returns seconds.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { capture } from '../lab/hosts/run'
import type { LabView } from '../support/plugin-lab'

export const READ_COMMAND = 'cat /etc/xapi.conf /etc/xapi.conf.d/* > /dev/null'
const writeCommand = (value: number) => `printf 'pending_task_timeout = ${value}\\n' > /etc/xapi.conf.d/zz-bench-peer.conf`

/** Seconds per measured variant (the floor has a cold and a warm one). */
export type Timings = Record<string, number>

export interface Peer {
  name: string
  /** Why it cannot run here, with how to install it. */
  missing?: string
  read?(): Promise<Timings>
  write?(value: number): Promise<Timings>
  https?(): Promise<Timings>
}

/** The files the peers take: host list, Ansible inventory, the floor's host list. */
export function writePeerFiles(lab: LabView, dir: string): { hostsFile: string; inventory: string; floorHosts: string; sshOptions: string[] } {
  const key = lab.hosts[0].ssh.privateKeyPath
  const sshOptions = [
    '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=30', '-i', key,
  ]
  const hostsFile = join(dir, 'hosts.txt')
  writeFileSync(hostsFile, lab.hosts.map(host => `root@${host.address}`).join('\n') + '\n')
  const inventory = join(dir, 'inventory.ini')
  const common = sshOptions.filter(option => option !== '-i' && option !== key).join(' ')
  writeFileSync(
    inventory,
    '[lab]\n' + lab.hosts.map(host => host.address).join('\n') + '\n\n[lab:vars]\n' +
      `ansible_user=root\nansible_ssh_private_key_file=${key}\nansible_ssh_common_args='${common}'\n` +
      'ansible_python_interpreter=/usr/bin/python3\n'
  )
  const floorHosts = join(dir, 'floor-hosts.json')
  writeFileSync(floorHosts, JSON.stringify(lab.hosts.map(host => ({ address: host.address, port: host.ssh.port, username: 'root', privateKeyPath: key }))))
  return { hostsFile, inventory, floorHosts, sshOptions }
}

export function peers(lab: LabView, dir: string): Peer[] {
  const { hostsFile, inventory, floorHosts, sshOptions } = writePeerFiles(lab, dir)
  const addresses = lab.hosts.map(host => host.address)
  const pssh = timedAs('parallel-ssh -p 16')
  const ansible = timedAs('ansible -f 16')
  const loop = timedAs('sequential loop')
  const xargs = timedAs('xargs -P16 curl')
  const floor = (mode: string) => async (): Promise<Timings> => {
    const { cold, warm } = JSON.parse((await checked('npx', ['tsx', join(__dirname, 'floor.ts'), '--hosts', floorHosts, '--mode', mode])).trim())
    return { 'floor cold': cold, 'floor warm': warm }
  }
  return [
    {
      name: 'floor (ssh2 / https)',
      read: floor('read'),
      write: floor('write'),
      https: floor('https'),
    },
    needs('parallel-ssh', 'apt-get install pssh', {
      name: 'parallel-ssh -p 16',
      read: () => pssh('parallel-ssh', ['-h', hostsFile, '-p', '16', '-t', '120', '-x', sshOptions.join(' '), READ_COMMAND]),
      write: value => pssh('parallel-ssh', ['-h', hostsFile, '-p', '16', '-t', '120', '-x', sshOptions.join(' '), writeCommand(value)]),
    }),
    needs('ansible', 'apt-get install ansible-core', {
      name: 'ansible -f 16',
      read: () => ansible('ansible', ['lab', '-i', inventory, '-f', '16', '-m', 'shell', '-a', READ_COMMAND], { ANSIBLE_HOST_KEY_CHECKING: 'True' }),
      write: value => ansible('ansible', ['lab', '-i', inventory, '-f', '16', '-m', 'shell', '-a', writeCommand(value)]),
    }),
    {
      name: 'sequential ssh / curl loop',
      read: () => loop('sh', ['-c', `for h in ${addresses.join(' ')}; do ssh ${sshOptions.join(' ')} root@$h '${READ_COMMAND}' || exit 1; done`]),
      write: value => loop('sh', ['-c', `for h in ${addresses.join(' ')}; do ssh ${sshOptions.join(' ')} root@$h "${writeCommand(value)}" || exit 1; done`]),
      https: () => loop('sh', ['-c', `for h in ${addresses.join(' ')}; do curl -sk -o /dev/null -D /dev/null https://$h/ || exit 1; done`]),
    },
    {
      name: 'xargs -P16 curl',
      https: () => xargs('sh', ['-c', `printf '%s\\n' ${addresses.join(' ')} | xargs -P16 -I{} curl -sk -o /dev/null -D /dev/null https://{}/`]),
    },
  ]
}

function needs(program: string, install: string, peer: Peer): Peer {
  const found = spawnSync('sh', ['-c', `command -v ${program}`]).status === 0
  return found ? peer : { name: peer.name, missing: `${program} is not installed: ${install} to compare with it` }
}

function timedAs(name: string) {
  return async (command: string, args: string[], env?: Record<string, string>): Promise<Timings> => {
    const start = process.hrtime.bigint()
    await checked(command, args, env)
    return { [name]: Number(process.hrtime.bigint() - start) / 1e9 }
  }
}

async function checked(command: string, args: string[], env?: Record<string, string>): Promise<string> {
  const result = await capture(command, args, { env })
  if (result.code !== 0) {
    throw new Error(`${command} failed (${result.code}): ${(result.stderr || result.stdout).slice(-500)}`)
  }
  return result.stdout
}
