import assert from 'node:assert/strict'
import { commandLine, type FixedCommand } from '../../src/ssh/commands'

describe('ssh/commands: the fixed command lines', () => {
  it('maps toolstack-restart to the script path, with no argument', () => {
    assert.equal(commandLine({ kind: 'toolstack-restart' }), '/opt/xensource/bin/xe-toolstack-restart')
  })

  it('maps wait-init-complete to the script with its integer timeout', () => {
    assert.equal(commandLine({ kind: 'wait-init-complete', seconds: 1 }), '/opt/xensource/bin/xapi-wait-init-complete 1')
    assert.equal(commandLine({ kind: 'wait-init-complete', seconds: 3600 }), '/opt/xensource/bin/xapi-wait-init-complete 3600')
  })

  for (const seconds of [0, -5, 3601, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '30', '30; reboot', null]) {
    it(`refuses wait-init-complete with seconds = ${String(seconds)}`, () => {
      assert.throws(() => commandLine({ kind: 'wait-init-complete', seconds } as unknown as FixedCommand), TypeError)
    })
  }

  for (const command of [{ kind: 'shell', command: 'id' }, { kind: 'reboot' }, {}, null, undefined, 'xe-toolstack-restart']) {
    it(`refuses anything outside the union: ${JSON.stringify(command)}`, () => {
      assert.throws(() => commandLine(command as unknown as FixedCommand), /not a command the plugin runs/)
    })
  }
})
