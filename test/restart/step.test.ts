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

  it('follows the parent task\'s abort signal with one listener, however many steps run at once (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const tasks = new XoTasks(() => 'admin')
      const task = tasks.create({ name: 'Write zz-xo.conf on pool-1', type: 'xo:xapi-config:apply' })
      const counts = await task.run(async () => {
        const signal = Task.abortSignal!
        const before = getEventListeners(signal, 'abort').length
        const during: number[] = []
        for (let round = 0; round < 2; round++) {
          await Promise.all(
            Array.from({ length: 20 }, (_, index) =>
              runStep({ name: `Write on xcp-ng-1-${index}` }, async () => {
                await new Promise(resolve => setImmediate(resolve))
                during.push(getEventListeners(signal, 'abort').length)
              })
            )
          )
        }
        return { before, during }
      })
      assert.deepEqual(new Set(counts.during), new Set([counts.before + 1]), 'one listener for 20 steps at once')
      await new Promise(resolve => setImmediate(resolve))
      assert.deepEqual(warnings.filter(warning => warning.name === 'MaxListenersExceededWarning'), [])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('aborts every running step when the parent task is aborted, and not a step that has ended', async () => {
    const tasks = new XoTasks(() => 'admin')
    const task = tasks.create({ name: 'Restart the toolstack of pool-1', type: 'xo:xapi-config:restart' })
    let ended: AbortSignal | undefined
    const running = task.run(async () => {
      await runStep({ name: 'done first' }, async () => {
        ended = Task.abortSignal
      })
      return Promise.all(
        [1, 2, 3].map(index =>
          runStep({ name: `Restart host-${index}` }, () => {
            const signal = Task.abortSignal!
            return new Promise<string>(resolve => signal.addEventListener('abort', () => resolve(`aborted: ${signal.reason.message}`)))
          })
        )
      )
    })
    await new Promise(resolve => setTimeout(resolve, 20))
    await tasks.abort(task.id, new Error('stop'))
    assert.deepEqual(await running, ['aborted: stop', 'aborted: stop', 'aborted: stop'])
    assert.equal(ended?.aborted, false)
  })

  it('is a plain call outside a task', async () => {
    assert.equal(await runStep({ name: 'alone' }, async () => 42), 42)
  })
})
