// Starts the bench's lab in a child process (./lab-process.ts), so that the bench process holds only what
// xo-server would: the XO harness and the plugin.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import type { LabOptions } from '../lab'
import type { LabView } from '../support/plugin-lab'

export interface ChildLab extends LabView {
  pid: number
  stop(): Promise<void>
}

export async function startChildLab(options: LabOptions): Promise<ChildLab> {
  const child = fork(join(__dirname, 'lab-process.ts'), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  const [view] = (await Promise.race([once(child, 'message'), exited.then(([code]) => Promise.reject(new Error(`the lab process exited (${code})`)))])) as [LabView]
  return {
    ...view,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.send('stop')
        await exited
      }
    },
  }
}
