import assert from 'node:assert/strict'
import type { FixedCommand } from '../../src/ssh/commands'
import { isHostAccessError } from '../../src/ssh/errors'
import { AccessFixture, hostOf } from './fixture'
import { startSshd, type TestSshd } from './sshd'

// Stands in for the host's scripts: echoes the command line it was asked to run and, for the
// wait script sleeps the requested number of seconds.
const FAKE_HOST_COMMANDS = `#!/bin/sh
printf '%s' "$SSH_ORIGINAL_COMMAND"
echo 'from stderr' >&2
case "$SSH_ORIGINAL_COMMAND" in
  */xapi-wait-init-complete*) sleep "\${SSH_ORIGINAL_COMMAND##* }"; exit 0 ;;
esac
exit 7
`

describe('ssh/session: the fixed commands (real sshd)', function () {
  let sshd: TestSshd
  const fixture = new AccessFixture()

  before(async () => (sshd = await startSshd({ forceCommandScript: FAKE_HOST_COMMANDS })))
  after(() => sshd?.stop())
  beforeEach(() => fixture.setUp())
  afterEach(() => fixture.tearDown())

  const commandsRun = () => sshd.log().split('\n').filter(line => line.startsWith('Starting session: forced-command')).length

  it('runs exactly the toolstack restart script and returns its exit code and output', async () => {
    const result = await fixture.access(sshd).withHost(hostOf(sshd), session => session.run({ kind: 'toolstack-restart' }))
    assert.deepEqual(result, { exitCode: 7, stdout: '/opt/xensource/bin/xe-toolstack-restart', stderr: 'from stderr\n' })
  })

  it('runs the wait script with its validated number of seconds', async () => {
    const result = await fixture
      .access(sshd)
      .withHost(hostOf(sshd), session => session.run({ kind: 'wait-init-complete', seconds: 1 }))
    assert.equal(result.exitCode, 0)
    assert.equal(result.stdout, '/opt/xensource/bin/xapi-wait-init-complete 1')
  })

  it('refuses anything outside the closed union before sending a thing', async () => {
    const before = commandsRun()
    const refused = [
      { kind: 'shell', command: 'id' },
      { kind: 'wait-init-complete', seconds: '1; reboot' },
      { kind: 'wait-init-complete', seconds: 0 },
    ] as unknown as FixedCommand[]
    await fixture.access(sshd).withHost(hostOf(sshd), async session => {
      for (const command of refused) {
        await assert.rejects(async () => session.run(command), TypeError)
      }
    })
    assert.equal(commandsRun(), before)
  })

  it('times out a command that runs too long', async () => {
    const access = fixture.access(sshd)
    const start = Date.now()
    await assert.rejects(
      access.withHost(hostOf(sshd), session => session.run({ kind: 'wait-init-complete', seconds: 30 }, { timeoutMs: 300 })),
      (e: unknown) => isHostAccessError(e, 'TIMEOUT') && /may still be running/.test(e.message)
    )
    assert.ok(Date.now() - start < 2000)
  })
})
