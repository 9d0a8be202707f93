// The bench's lab in a process of its own (forked by ./lab-child.ts): its XAPI simulators and HTTPS
// servers then take neither the plugin process's memory nor its event loop. It runs at the lowest CPU
// priority, and so do the sshds it starts: on real fleets the hosts are other machines, here they take
// the CPU that the measured processes (the plugin, the floor, the other tools) leave. Sends the lab's
// pools and hosts once up; stops the lab when told to, or when the bench process goes away.
import { setPriority } from 'node:os'
import { startLab, type LabOptions } from '../lab'

const LOWEST_PRIORITY = 19

async function main(): Promise<void> {
  setPriority(LOWEST_PRIORITY)
  const options = JSON.parse(process.argv[2]) as LabOptions
  const lab = await startLab(options)
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= lab.stop().finally(() => process.exit(0)))
  process.on('message', message => message === 'stop' && void stop())
  process.on('disconnect', () => void stop())
  process.send!({ pools: lab.pools, hosts: lab.hosts, knownHostsPath: lab.knownHostsPath })
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
