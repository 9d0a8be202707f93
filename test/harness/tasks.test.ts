import assert from 'node:assert/strict'

import { Task } from './task'
import { XoTasks, type TaskLog } from './tasks'

async function allLogs(tasks: XoTasks, filter?: Parameters<XoTasks['list']>[0]): Promise<TaskLog[]> {
  const logs: TaskLog[] = []
  for await (const log of tasks.list(filter)) logs.push(log)
  return logs
}

describe('harness: XO tasks', () => {
  let tasks: XoTasks
  beforeEach(() => {
    tasks = new XoTasks(() => 'user-1')
  })

  it('records properties, progress, infos, warnings, the result and the caller', async () => {
    const task = tasks.create({ name: 'restart toolstack', objectId: 'host-1', type: 'xo:plugin:restart' })
    const result = await task.run(async () => {
      Task.set('progress', 50)
      Task.info('waiting', { host: 'host-1' })
      task.warning('slow host')
      return 'done'
    })
    assert.equal(result, 'done')
    const log = await tasks.get(task.id)
    assert.equal(log.status, 'success')
    assert.equal(log.result, 'done')
    assert.deepEqual(log.properties, {
      name: 'restart toolstack',
      objectId: 'host-1',
      userId: 'user-1',
      type: 'xo:plugin:restart',
      progress: 50,
    })
    assert.deepEqual(log.infos, [{ message: 'waiting', data: { host: 'host-1' } }])
    assert.deepEqual(log.warnings, [{ message: 'slow host', data: undefined }])
    assert.ok(log.end! >= log.start)
  })

  it('nests tasks created inside a run as subtasks, and records failures as serialized errors', async () => {
    const task = tasks.create({ name: 'rolling' })
    await assert.rejects(
      task.run(async () => {
        await new Task({ properties: { name: 'host 1' } }).run(() => 'ok')
        await new Task({ properties: { name: 'host 2' } }).run(() => {
          throw Object.assign(new Error('unreachable'), { code: 'ECONNREFUSED' })
        })
      }),
      /unreachable/
    )
    const log = await tasks.get(task.id)
    assert.equal(log.status, 'failure')
    assert.deepEqual(
      log.tasks!.map(subtask => [subtask.properties.name, subtask.status]),
      [
        ['host 1', 'success'],
        ['host 2', 'failure'],
      ]
    )
    const error = log.tasks![1].result as { message: string; code: string }
    assert.equal(error.message, 'unreachable')
    assert.equal(error.code, 'ECONNREFUSED')
  })

  it('shares the current task with other copies of @vates/task through its global slot', async () => {
    const task = tasks.create({ name: 'outer' })
    const slot = (globalThis as Record<string, any>)['@vates/task@0']
    await task.run(() => assert.equal(slot.getStore(), task))
  })

  it('aborts a running task through its signal', async () => {
    const task = tasks.create({ name: 'long' })
    const running = task.run(() => {
      const signal = Task.abortSignal!
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    })
    await tasks.abort(task.id, new Error('stop'))
    await assert.rejects(running, /stop/)
    const log = await tasks.get(task.id)
    assert.equal(log.status, 'failure')
    assert.equal(typeof log.abortionRequestedAt, 'number')
    await assert.rejects(tasks.abort(task.id), { code: 1 })
  })

  it('lists logs with a filter, drops successful ones created with clearLogOnSuccess, and lets watch them', async () => {
    const kept = tasks.create({ name: 'kept', type: 'a' })
    const cleared = tasks.create({ name: 'cleared', type: 'a' }, { clearLogOnSuccess: true })
    const updates: string[] = []
    await tasks.watch(kept.id, log => updates.push(log.status))
    await kept.run(() => 1)
    await cleared.run(() => 2)
    assert.deepEqual(updates, ['pending', 'success'])
    assert.deepEqual((await allLogs(tasks, { filter: { properties: { type: 'a' } } })).map(log => log.properties.name), ['kept'])
    assert.deepEqual(await allLogs(tasks, { filter: log => log.status === 'pending' }), [])
    await assert.rejects(tasks.get(cleared.id), { code: 1, data: { id: cleared.id, type: 'task' } })
  })

  it('refuses to run a task twice', async () => {
    const task = tasks.create({ name: 'once' })
    await task.run(() => 1)
    await assert.rejects(task.run(() => 2), /already ended/)
  })
})
