import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { connectBatching } from '../../src/ssh/batching-socket'

describe('ssh/batching-socket', () => {
  let server: Server
  let received = ''
  before(async () => {
    server = createServer((socket: Socket) => socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk)))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  })
  after(() => new Promise<void>(resolve => server.close(() => resolve())))

  it('sends what is written in one turn of the event loop in one writev, then the next turn in another', async () => {
    const socket = connectBatching('127.0.0.1', (server.address() as { port: number }).port)
    await new Promise(resolve => socket.once('connect', resolve))
    const calls: number[] = []
    const internals = socket as unknown as { _writev: (chunks: unknown[], cb: () => void) => void }
    const writev = internals._writev.bind(socket)
    internals._writev = (chunks, cb) => (calls.push(chunks.length), writev(chunks, cb))
    socket.write('a')
    socket.write('b')
    await Promise.resolve()
    socket.write('c') // a promise continuation of the same turn
    await new Promise(resolve => setImmediate(resolve))
    socket.write('d')
    socket.write('e')
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(calls, [3, 2])
    socket.end()
    await new Promise(resolve => socket.once('close', resolve))
    assert.equal(received, 'abcde')
  })
})
