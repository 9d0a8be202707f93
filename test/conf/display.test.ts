// Values as admins write them, next to XAPI's printed form.
import assert from 'node:assert/strict'

import { displayValue, plainValue } from '../../src/conf'

describe('conf/display', function () {
  it('drops the dot string_of_float puts after an integral float, and leaves every other value as printed', function () {
    assert.deepEqual(
      ['86400.', '-1.', '0.5', '1e+20', 'nan', '-nan', 'inf', '-1', 'true', 'ext nfs', '0.050000,0.050000'].map(plainValue),
      ['86400', '-1', '0.5', '1e+20', 'nan', '-nan', 'inf', '-1', 'true', 'ext nfs', '0.050000,0.050000']
    )
  })

  it('adds a readable duration to whole minutes, hours and weeks of keys counted in seconds', function () {
    assert.equal(displayValue('pending_task_timeout', '86400.'), '86400 (24 h)')
    assert.equal(displayValue('pending_task_timeout', '172800.'), '172800 (48 h)')
    assert.equal(displayValue('completed_task_timeout', '3900.'), '3900 (65 min)')
    assert.equal(displayValue('hsts_max_age', '31536000'), '31536000 (365 days)')
  })

  it('gives no duration where it would not help: seconds that are not whole minutes, under a minute, negative, or not seconds', function () {
    assert.equal(displayValue('pending_task_timeout', '86401.'), '86401')
    assert.equal(displayValue('pending_task_timeout', '30.5'), '30.5')
    assert.equal(displayValue('hsts_max_age', '-1'), '-1')
    assert.equal(displayValue('hsts_max_age', '0'), '0')
    assert.equal(displayValue('messages-limit', '10000'), '10000')
    assert.equal(displayValue('pending_task_timeout', 'inf'), 'inf')
  })
})
