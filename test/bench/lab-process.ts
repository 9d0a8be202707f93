// The bench's lab in a process of its own (forked by ./lab-child.ts): its XAPI simulators and HTTPS
// servers then take neither the plugin process's memory nor its event loop. It keeps the default CPU
// priority unless BENCH_LAB_NICE says otherwise (19: the lowest, closer to real hosts, whose CPUs are not
// xo-server's); at the lowest one, on a loaded machine, its XAPI simulators answered XO's event polls so
// late that the harness dropped a pool mid-run. Sends the lab's pools and hosts once up; stops the lab
// when told to, or when the bench process goes away.
import { setPriority } from 'node:os'
import { startLab, type LabOptions } from '../lab'

async function main(): Promise<void> {
  setPriority(Number(process.env.BENCH_LAB_NICE ?? 0))
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
