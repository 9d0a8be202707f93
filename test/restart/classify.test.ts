import assert from 'node:assert/strict'
import { classifyTaskName, classifyVmOperation, isHousekeepingTask } from '../../src/services/restart/classify'

describe('restart: task classification', () => {
  const cases: Array<[string, string]> = [
    ['[XO] VM export', 'export'],
    ['[XO] Exporting content of VDI as raw stream', 'export'],
    ['[XO] Exporting content of VDI  disk0 as vhd stream', 'backup'],
    ['[XO] Exporting content of VDI  disk0 as qcow2 stream', 'backup'],
    ['Exporting content of VDI disk0 through NBD', 'backup'],
    ['Exporting content of VDI disk0 through NBD+CBT', 'backup'],
    ['[XO] Export pool metadata', 'backup'],
    ['[XO] Import pool metadata', 'backup'],
    ['Async.VM.snapshot', 'backup'],
    ['VM.checkpoint', 'backup'],
    ['[XO] VM import', 'import'],
    ['[XO] Importing content into VDI disk0 on SR sr1', 'import'],
    ['[XO] Patch upload', 'import'],
    ['Xapi#putResource /import/', 'import'],
    ['Xapi#getResource /export/', 'export'],
    ['VM.export', 'export'],
    ['VM.export_metadata', 'export'],
    ['VM.import', 'import'],
    ['Exporting raw VDI', 'export'],
    ['Importing raw VDI', 'import'],
    ['Async.VM.migrate_send', 'migration'],
    ['Async.VM.pool_migrate', 'migration'],
    ['VDI.pool_migrate', 'migration'],
    ['Async.host.evacuate', 'migration'],
    ['Async.VM.copy', 'export'],
    ['Async.VM.start', 'other'],
    ['VM export', 'other'], // only XO's own label, with its prefix, is an XO export
    ['SR.scan', 'other'],
  ]
  for (const [name, kind] of cases) {
    it(`${JSON.stringify(name)} is ${kind}`, () => assert.equal(classifyTaskName(name), kind))
  }

  it('tells routine calls apart', () => {
    assert.equal(isHousekeepingTask('SR.scan'), true)
    assert.equal(isHousekeepingTask('Async.host.call_plugin'), true)
    assert.equal(isHousekeepingTask('[XO] VM export'), false)
    assert.equal(isHousekeepingTask('Async.VM.migrate_send'), false)
  })

  it('classifies VM current_operations that are transfers, and only those', () => {
    assert.equal(classifyVmOperation('export'), 'export')
    assert.equal(classifyVmOperation('migrate_send'), 'migration')
    assert.equal(classifyVmOperation('snapshot'), 'backup')
    assert.equal(classifyVmOperation('start'), undefined)
    assert.equal(classifyVmOperation('clean_shutdown'), undefined)
  })
})
