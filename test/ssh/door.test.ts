// HostAccess and its door (issue 16): what the door opened stays open for the rest of the operation and
// is closed when the operation ends, after the connection to the host; without an operation each call
// is its own. A real sshd; the door is the test's (it records what it is asked).
import assert from 'node:assert/strict'
import type { DoorOpening, HostDoor } from '../../src/ssh/door'
import { HostAccessError, type SshHost } from '../../src/ssh/errors'
import type { HostAccess } from '../../src/ssh/host-access'
import { inOperation, inPartOperation, type ClosingReport } from '../../src/ssh/operation'
import { AccessFixture, failure, hostOf } from './fixture'
import { freePort, startSshd, type TestSshd } from './sshd'

/** A door that "opens" every host it is asked about and records the calls and the open connections at closing. */
class RecordingDoor implements HostDoor {
  readonly events: string[] = []
  access: HostAccess | undefined
  refuse?: Error
  /** XO's view said SSH was enabled: nothing to open until a connection is refused. */
  onlyWhenRefused = false

  async open(host: SshHost, { refused }: { refused: boolean }): Promise<DoorOpening | undefined> {
    this.events.push(`open ${host.id}${refused ? ' (refused)' : ''}`)
    if (this.onlyWhenRefused && !refused) {
      return undefined
    }
    if (this.refuse !== undefined) {
      throw this.refuse
    }
    return {
      close: async () => {
        this.events.push(`close ${host.id} with ${this.access?.openConnections} connection(s) open`)
        return { restored: true }
      },
    }
  }
}

describe('ssh/host-access: the door and operations (real sshd)', function () {
  let sshd: TestSshd
  const fixture = new AccessFixture()

  before(async () => (sshd = await startSshd()))
  after(() => sshd?.stop())
  beforeEach(() => fixture.setUp())
  afterEach(() => fixture.tearDown())

  function accessWith(door: RecordingDoor, options = {}): HostAccess {
    door.access = fixture.access(sshd, { door, ...options })
    return door.access
  }

  /** Runs `fn` as an operation and returns what the operation reported closing. */
  async function closingReportsOf(fn: () => Promise<void>): Promise<ClosingReport[]> {
    let reports: ClosingReport[] = []
    await inOperation(fn, { onClosed: closed => (reports = closed) })
    return reports
  }

  it('opens a host once per operation, keeps it across calls, and closes the connection before the door closes it', async () => {
    const door = new RecordingDoor()
    const access = accessWith(door)
    const host = hostOf(sshd)
    const reports = await closingReportsOf(async () => {
      await access.withHost(host, session => session.listDir('/'))
      await access.withHost(host, session => session.listDir('/'))
      assert.equal(access.idleConnections, 1, 'warm between the phases of the operation')
    })
    assert.deepEqual(door.events, ['open host-1', 'close host-1 with 0 connection(s) open'])
    assert.deepEqual(reports, [{ host: { id: host.id, label: host.label }, restored: true }])
    assert.equal(access.openConnections, 0)
  })

  it('without an operation, each call opens and closes again', async () => {
    const door = new RecordingDoor()
    const access = accessWith(door)
    await access.withHost(hostOf(sshd), session => session.listDir('/'))
    await access.withHost(hostOf(sshd), session => session.listDir('/'))
    assert.deepEqual(door.events, ['open host-1', 'close host-1 with 0 connection(s) open', 'open host-1', 'close host-1 with 0 connection(s) open'])
  })

  it('closes even when the work fails', async () => {
    const door = new RecordingDoor()
    const access = accessWith(door)
    const error = await failure(inOperation(() => access.withHost(hostOf(sshd), () => Promise.reject(new Error('the work failed')))))
    assert.equal((error as Error).message, 'the work failed')
    assert.deepEqual(door.events, ['open host-1', 'close host-1 with 0 connection(s) open'])
  })

  it('two operations on one host share the opening: the last to end closes it', async () => {
    const door = new RecordingDoor()
    const access = accessWith(door)
    let endFirst!: () => void
    const first = inOperation(async () => {
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      await new Promise<void>(resolve => (endFirst = resolve))
    })
    await new Promise(resolve => setTimeout(resolve, 50))
    await inOperation(() => access.withHost(hostOf(sshd), session => session.listDir('/')))
    assert.deepEqual(door.events, ['open host-1'], 'the second operation ended while the first still holds the host')
    endFirst()
    await first
    assert.deepEqual(door.events, ['open host-1', 'close host-1 with 0 connection(s) open'])
  })

  it('a part run as an operation of its own (a rollout\'s pool) closes what it opened when the part ends; the call still reports it', async () => {
    const door = new RecordingDoor()
    const access = accessWith(door)
    const host = hostOf(sshd)
    const reports = await closingReportsOf(async () => {
      await inPartOperation(() => access.withHost(host, session => session.listDir('/')))
      assert.deepEqual(door.events, ['open host-1', 'close host-1 with 0 connection(s) open'], 'closed at the end of the part, inside the call')
      await inPartOperation(() => access.withHost(host, session => session.listDir('/')))
    })
    assert.equal(door.events.length, 4, 'the next part opens again')
    assert.deepEqual(reports, [1, 2].map(() => ({ host: { id: host.id, label: host.label }, restored: true })))
  })

  it("a door's refusal is the call's error, and nothing is connected", async () => {
    const door = new RecordingDoor()
    door.refuse = new HostAccessError('SSH_DISABLED', 'XAPI reports SSH disabled on this host', { host: hostOf(sshd) })
    const access = accessWith(door)
    const before = sshd.logins()
    const error = await failure(access.withHost(hostOf(sshd), session => session.listDir('/')))
    assert.equal((error as HostAccessError).code, 'SSH_DISABLED')
    assert.equal(sshd.logins(), before)
  })

  it('asks the door before reusing a kept connection: once SSH is disabled, the call is refused and the connection closed', async () => {
    const door = new RecordingDoor()
    door.onlyWhenRefused = true // SSH enabled: nothing to open
    const access = accessWith(door)
    await access.withHost(hostOf(sshd), session => session.listDir('/'))
    assert.equal(access.idleConnections, 1)
    door.onlyWhenRefused = false
    door.refuse = new HostAccessError('SSH_DISABLED', 'XAPI reports SSH disabled on this host')
    let reached = false
    const error = await failure(access.withHost(hostOf(sshd), async () => (reached = true)))
    assert.equal((error as HostAccessError).code, 'SSH_DISABLED')
    assert.equal(reached, false, 'nothing ran on the kept connection')
    assert.equal(access.openConnections, 0)
    assert.deepEqual(door.events, ['open host-1', 'open host-1'])
  })

  it('a refused connection asks the door again (XO may not know yet that SSH was disabled)', async () => {
    const door = new RecordingDoor()
    door.onlyWhenRefused = true
    door.refuse = new HostAccessError('SSH_DISABLED', 'XAPI reports SSH disabled on this host')
    const access = accessWith(door, { port: await freePort() })
    const error = await failure(access.withHost(hostOf(sshd), session => session.listDir('/')))
    assert.equal((error as HostAccessError).code, 'SSH_DISABLED', 'the door says why the port refused')
    assert.deepEqual(door.events, ['open host-1', 'open host-1 (refused)'])
  })

  it('a refused connection that the door then opens is tried once more, and closed at the end', async () => {
    const door = new RecordingDoor()
    door.onlyWhenRefused = true
    const closedPort = await freePort()
    const access = accessWith(door, { port: closedPort })
    const error = await failure(access.withHost(hostOf(sshd), session => session.listDir('/')))
    assert.equal((error as HostAccessError).code, 'UNREACHABLE', 'the port stays closed: the second try fails too')
    assert.deepEqual(door.events, ['open host-1', 'open host-1 (refused)', 'close host-1 with 0 connection(s) open'])
  })
})
