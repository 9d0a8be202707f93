import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { runStep } from '../../src/xo/step'
import { Task } from '../harness/task'
import { XoTasks } from '../harness/tasks'

describe('XO task steps', () => {
  it('records each step as a subtask of the running XO task, with its infos and outcome', async () => {
    const tasks = new XoTasks(() => 'admin')
    const task = tasks.create({ name: 'Restart the toolstack of pool-1', type: 'xo:xapi-config:restart' })
    await task
      .run(async () => {
        await runStep({ name: 'Restart host-2' }, async () => {
          Task.info('back', { seconds: 3 })
          return 'restarted'
        })
        await runStep({ name: 'Restart host-1' }, async () => {
          throw new Error('did not come back')
        })
      })
      .catch(() => {})
    const log = await tasks.get(task.id)
    assert.equal(log.status, 'failure')
    assert.deepEqual(
      log.tasks?.map(step => [step.properties.name, step.status, step.result]),
      [
        ['Restart host-2', 'success', 'restarted'],
        ['Restart host-1', 'failure', log.tasks![1].result],
      ]
    )
    assert.deepEqual(log.tasks![0].infos, [{ message: 'back', data: { seconds: 3 } }])
    assert.match((log.tasks![1].result as { message: string }).message, /did not come back/)
  })

  it('lets go of the parent task\'s abort signal when each step ends: no listener growth over a 20-host roll', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const tasks = new XoTasks(() => 'admin')
      const task = tasks.create({ name: 'Restart the toolstack of pool-1', type: 'xo:xapi-config:restart' })
      const counts = await task.run(async () => {
        const signal = Task.abortSignal!
        const before = getEventListeners(signal, 'abort').length
        const during: number[] = []
        for (let index = 1; index <= 20; index++) {
          await runStep({ name: `Restart xcp-ng-1-${index}` }, async () => {
            during.push(getEventListeners(signal, 'abort').length)
          })
        }
        return { before, during, after: getEventListeners(signal, 'abort').length }
      })
      assert.equal(counts.after, counts.before)
      assert.deepEqual(new Set(counts.during), new Set([counts.before + 1]), 'one listener while a step runs, none after')
      await new Promise(resolve => setImmediate(resolve))
      assert.deepEqual(warnings.filter(warning => warning.name === 'MaxListenersExceededWarning'), [])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('is a plain call outside a task', async () => {
    assert.equal(await runStep({ name: 'alone' }, async () => 42), 42)
  })
})
