// How XAPI reads a tree (reference §1.3, §1.5, §1.6 and §2.1): order, precedence, list options,
// unknown keys and bad values, through effectiveConfig and lintTree on trees held in memory.
import assert from 'node:assert/strict'

import { effectiveConfig, lintTree, type ConfTree, type Outcome } from '../../src/conf'
import { treeOf } from './helpers'

const valueOf = (tree: ConfTree, key: string) => effectiveConfig(tree).values[key]?.value
const outcomeOf = (tree: ConfTree): Outcome => lintTree(tree).outcome
const codesOf = (tree: ConfTree, options = {}) => lintTree(tree, options).problems.map(problem => problem.code)

describe('conf: reading a host tree', function () {
  describe('§1.3 which entries, in which order', function () {
    it('reads every entry in byte order: .hidden < 10- < 99- < Z < _ < a~ < vendor files < zz', function () {
      const names = ['zz.conf', 'xcpng-ntp.conf', 'tracing.conf', 'ssh-auto-mode.conf', 'a.conf~', '_x.conf', 'Z.conf', '99-xo.conf', '10-b.conf', '.hidden.conf']
      const tree = treeOf('', Object.fromEntries(names.map(name => [name, `xenopsd-default = ${name}\n`])))
      const config = effectiveConfig(tree).values['xenopsd-default']
      assert.deepEqual(
        config.assignments.map(assignment => assignment.value),
        ['.hidden.conf', '10-b.conf', '99-xo.conf', 'Z.conf', '_x.conf', 'a.conf~', 'ssh-auto-mode.conf', 'tracing.conf', 'xcpng-ntp.conf', 'zz.conf']
      )
      assert.equal(config.value, 'zz.conf')
    })

    it('orders names by bytes, not numerically and not by locale', function () {
      assert.equal(valueOf(treeOf(null, { '9-x.conf': 'hsts_max_age = 2', '10-x.conf': 'hsts_max_age = 1' }), 'hsts_max_age'), '2')
      assert.equal(valueOf(treeOf(null, { 'a.conf': 'hsts_max_age = 1', 'B.conf': 'hsts_max_age = 2' }), 'hsts_max_age'), '1')
      assert.equal(valueOf(treeOf(null, { '~.conf': 'hsts_max_age = 1', 'é.conf': 'hsts_max_age = 2' }), 'hsts_max_age'), '2')
    })

    it('lets a drop-in override /etc/xapi.conf, and a later line override an earlier one', function () {
      const tree = treeOf('hsts_max_age = 1\nhsts_max_age = 2\n', { '10.conf': 'hsts_max_age = 3\n' })
      const value = effectiveConfig(tree).values.hsts_max_age
      assert.deepEqual([value.value, value.file, value.line], ['3', '/etc/xapi.conf.d/10.conf', 1])
      assert.deepEqual(value.shadowed.map(({ file, line }) => [file, line]), [['/etc/xapi.conf', 1], ['/etc/xapi.conf', 2]])
    })

    it('replaces sm-plugins as a whole on each occurrence', function () {
      assert.equal(valueOf(treeOf('sm-plugins = ext nfs', { '20.conf': 'sm-plugins = zfs xfs' }), 'sm-plugins'), 'zfs xfs')
      assert.equal(valueOf(treeOf('sm-plugins =\text \t nfs    iso\t\n'), 'sm-plugins'), 'ext nfs iso')
    })

    it('accumulates disable-logging-for (sorted, unique) and prepends search-path', function () {
      const tree = treeOf('disable-logging-for = http db_write\nsearch-path = /a:/b\n', {
        'tracing.conf': 'disable-logging-for=tracing http\n',
        'z.conf': 'search-path = /c\ndisable-logging-for =\n',
      })
      assert.equal(valueOf(tree, 'disable-logging-for'), 'db_write http tracing')
      assert.equal(valueOf(tree, 'search-path'), '/c:/a:/b')
      assert.deepEqual(effectiveConfig(tree).values['disable-logging-for'].shadowed, [])
    })

    it('sets both keys of an alias pair (max_spans / max-spans)', function () {
      const tree = treeOf('max_spans = 5\nmax-spans = 6\n')
      assert.deepEqual([valueOf(tree, 'max_spans'), valueOf(tree, 'max-spans')], ['6', '6'])
    })

    it('stops XAPI (exit 2) on a subdirectory, a symlink to a directory, a dangling drop-in symlink or an unreadable entry', function () {
      const ok = { '10.conf': 'hsts_max_age = 1\n' }
      assert.equal(outcomeOf(treeOf(null, { ...ok, backup: { kind: 'directory' } })), 'exit2')
      assert.equal(outcomeOf(treeOf(null, { ...ok, '20.conf': { symlink: '../somedir', to: 'directory' } })), 'exit2')
      assert.equal(outcomeOf(treeOf(null, { ...ok, '20.conf': { symlink: '../gone', to: 'missing' } })), 'exit2')
      assert.equal(outcomeOf(treeOf(null, { ...ok, '20.conf': { kind: 'unreadable' } })), 'exit2')
      assert.equal(outcomeOf(treeOf({ kind: 'directory' })), 'exit2')
      assert.equal(outcomeOf(treeOf(null, ok)), 'starts')
    })

    it('skips a dangling /etc/xapi.conf symlink but reads one that leads to a file', function () {
      assert.equal(outcomeOf(treeOf({ symlink: 'gone', to: 'missing' })), 'starts')
      assert.ok(codesOf(treeOf({ symlink: 'gone', to: 'missing' })).includes('dangling-main'))
      assert.equal(valueOf(treeOf({ symlink: 'real', to: 'file', text: 'hsts_max_age = 12\n' }), 'hsts_max_age'), '12')
    })

    it('reads no drop-in when the directory is missing or not a directory', function () {
      for (const dirState of ['missing', 'not-a-directory', 'unreadable'] as const) {
        const tree = { ...treeOf('hsts_max_age = 1', { '10.conf': 'hsts_max_age = 2' }), dirState }
        assert.equal(valueOf(tree, 'hsts_max_age'), '1', dirState)
      }
    })

    it('takes the first error in read order: a bad int before a bad bool is exit 1, the other way round exit 2', function () {
      assert.equal(outcomeOf(treeOf('', { '10.conf': 'hsts_max_age = x', '20.conf': 'disable-webserver = yes' })), 'exit1')
      assert.equal(outcomeOf(treeOf('website-https-only = yes\npending_task_timeout = soon\n')), 'exit2')
      assert.equal(outcomeOf(treeOf('hsts_max_age = x', { sub: { kind: 'directory' } })), 'exit1')
      assert.equal(outcomeOf(treeOf('', { '00-old': { kind: 'directory' }, '10.conf': 'hsts_max_age = ten' })), 'exit2')
    })
  })

  describe('§1.5 unknown keys', function () {
    const cases: [string, string][] = [
      ['pending-task-timeout = 2', 'pending_task_timeout'],
      ['message-limit = 10000', 'messages-limit'],
      ['update-mh-info-script = x', 'update-mh-info'],
      ['update-issue-script = x', 'update-issue'],
      ['kill-process-script = x', 'killall'],
      ['firewall_port_config_script = x', 'firewall-port-config'],
      ['Pending_task_timeout = 5', 'pending_task_timeout'],
      ['hsts_max_ag = 5', 'hsts_max_age'],
    ]
    for (const [line, suggestion] of cases) {
      it(`ignores "${line}" and suggests ${suggestion}`, function () {
        const report = lintTree(treeOf(line))
        assert.equal(report.outcome, 'starts')
        assert.deepEqual(report.effective, {})
        const problem = report.problems.find(item => item.code === 'unknown-key')
        assert.match(problem?.message ?? '', new RegExp(`Did you mean ${suggestion}\\?`))
        assert.deepEqual([problem?.file, problem?.line, problem?.severity], ['/etc/xapi.conf', 1, 'warning'])
      })
    }

    it('does not fail on an unknown key with a value no parser would accept', function () {
      assert.equal(outcomeOf(treeOf('pending-task-timeout = 2 days\nHSTS = on\n')), 'starts')
    })

    it('treats keys newer than the host XAPI as unknown (hsts_max_age on xapi 1.249)', function () {
      const tree = treeOf('hsts_max_age = 1y\n')
      const old = lintTree(tree, { xapiVersion: '1.249.41' })
      assert.equal(old.outcome, 'starts')
      assert.equal(old.problems[0].code, 'unknown-to-version')
      assert.match(old.problems[0].message, /23\.16\.0/)
      assert.equal(lintTree(tree, { xapiVersion: '23.16.0' }).outcome, 'exit1')
      assert.throws(() => lintTree(tree, { xapiVersion: 'eight' }), /not an XAPI version/)
    })

    it('knows keys backported to a maintenance line (serialize_auth_service: 26.16.0, and 26.1.17 on the 26.1 line)', function () {
      const tree = treeOf('serialize_auth_service = false\n')
      const versions: [string, string | undefined][] = [
        ['26.1.4', undefined],
        ['26.1.17', 'false'],
        ['26.2.0', undefined],
        ['26.16.0', 'false'],
        ['27.0.0', 'false'],
      ]
      for (const [xapiVersion, value] of versions) {
        assert.equal(effectiveConfig(tree, { xapiVersion }).values.serialize_auth_service?.value, value, xapiVersion)
      }
    })
  })

  describe('§1.6 bad values', function () {
    const outcomes: [string, Outcome][] = [
      ...['0x10', '+5', '-1', '0o17', '0b101', '1_000'].map((value): [string, Outcome] => [`hsts_max_age = ${value}`, 'starts']),
      ...['5.0', '1e5', '', 'abc', '1y', '5\r'].map((value): [string, Outcome] => [`hsts_max_age = ${value}`, 'exit1']),
      ...['86400', '86400.', '1e5', '2_000', '-1', 'nan', 'inf'].map((value): [string, Outcome] => [`pending_task_timeout = ${value}`, 'starts']),
      ...['abc', '', '48h', '86400\r'].map((value): [string, Outcome] => [`pending_task_timeout = ${value}`, 'exit1']),
      ['website-https-only = true', 'starts'],
      ['website-https-only = false', 'starts'],
      ...['True', 'yes', '1', ''].map((value): [string, Outcome] => [`website-https-only = ${value}`, 'exit2']),
      ['repository-gpgkey-name =', 'starts'],
      ['igd-passthru-vendor-whitelist = 8086 zzzz 1002', 'starts'],
      ['winbind_ldap_query_subject_timeout = 99999999', 'starts'],
      ['winbind_ldap_query_subject_timeout = soon', 'exit1'],
      ['firewall-backend = firewalld', 'starts'],
      ['firewall-backend = nftables', 'exit1'],
      ['event_from_delay = 0.1,0.2', 'starts'],
      ['event_from_delay = 0.1', 'exit2'],
      // Scanf "%f,%f" as OCaml 4.13 reads it: trailing text ignored, '_' in digits, exponent digits required
      ['event_from_delay = 1,1e5e', 'starts'],
      ['event_from_delay = _1,.5', 'starts'],
      ['event_from_delay = 1,1e', 'exit2'],
      ['event_from_delay = 1e_5,2', 'exit2'],
      ['event_from_delay = 1 ,2', 'exit2'],
      ['loglevel = verbose', 'starts'],
      ['nvidia_t4_sriov = maybe', 'starts'],
      ['timeslice = fast', 'exit1'],
      ['host_assumed_dead_interval = 600.5', 'exit1'],
    ]
    for (const [line, outcome] of outcomes) {
      it(`${JSON.stringify(line)} -> ${outcome}`, function () {
        assert.equal(outcomeOf(treeOf(`${line}\n`)), outcome)
      })
    }

    it('names the key, the file and the line of the value that stops XAPI', function () {
      const report = lintTree(treeOf('', { '50-test.conf': '# x\nhsts_max_age = 1y\n' }))
      const [error] = report.problems.filter(problem => problem.severity === 'error')
      assert.deepEqual([error.code, error.key, error.file, error.line], ['invalid-int', 'hsts_max_age', '/etc/xapi.conf.d/50-test.conf', 2])
      assert.match(error.message, /exits with status 1/)
    })

    it('keeps the previous value when XAPI ignores a value, and says so', function () {
      const tree = treeOf('loglevel = info\nloglevel = verbose\nwinbind_kerberos_encryption_type = weak\n')
      assert.equal(valueOf(tree, 'loglevel'), 'info')
      assert.equal(valueOf(tree, 'winbind_kerberos_encryption_type'), undefined)
      assert.deepEqual(codesOf(tree).filter(code => code === 'ignored-value').length, 2)
    })

    it('keeps list items before the first bad PCI vendor id, and reads enumeration synonyms', function () {
      assert.equal(valueOf(treeOf('igd-passthru-vendor-whitelist = 8086 zzzz 1002'), 'igd-passthru-vendor-whitelist'), '8086')
      assert.equal(valueOf(treeOf('nvidia_t4_sriov = on'), 'nvidia_t4_sriov'), 'true')
      assert.equal(valueOf(treeOf('nvidia_t4_sriov = maybe'), 'nvidia_t4_sriov'), 'default')
      assert.equal(valueOf(treeOf('loglevel = WARN'), 'loglevel'), 'warning')
      assert.equal(valueOf(treeOf('observer-experimental-components = smapi,bogus,xapi'), 'observer-experimental-components'), 'smapi,xapi')
    })

    it('warns about dangerous but accepted values', function () {
      const dangerous = ['pending_task_timeout = 0', 'pending_task_timeout = -5', 'pending_task_timeout = -inf', 'pending_task_timeout = nan', 'completed_task_timeout = inf', 'hsts_max_age = 0', 'pending_task_timeout = 60']
      for (const line of dangerous) {
        assert.ok(codesOf(treeOf(line)).includes('dangerous-value'), line)
      }
      assert.ok(!codesOf(treeOf('pending_task_timeout = 172800')).includes('dangerous-value'))
    })
  })

  describe('§2.1 the three keys', function () {
    const values: [string, string, string][] = [
      ['pending_task_timeout', '172800', '172800.'],
      ['pending_task_timeout', '172800.0', '172800.'],
      ['pending_task_timeout', '1.728e5', '172800.'],
      ['completed_task_timeout', '7200', '7200.'],
      ['completed_task_timeout', '1.5e3', '1500.'],
      ['hsts_max_age', '31536000', '31536000'],
      ['hsts_max_age', "'31536000'", '31536000'],
      ['hsts_max_age', '"31536000"', '31536000'],
    ]
    for (const [key, written, held] of values) {
      it(`${key} = ${written} -> ${held}`, function () {
        assert.equal(valueOf(treeOf(`${key} = ${written}\n`), key), held)
      })
    }

    it('refuses hsts_max_age = 31536000.0 (exit 1)', function () {
      assert.equal(outcomeOf(treeOf('hsts_max_age = 31536000.0\n')), 'exit1')
    })
  })

  describe('other warnings', function () {
    it('warns about CR line endings, backup-looking names, shadowed values, skipped text and quotes cut by #', function () {
      const tree = treeOf('hsts_max_age = 100\nrepository-gpgkey-name = "a#b"\n', {
        '50.conf.rpmnew': 'set hsts_max_age = 5\n',
        'crlf.conf': 'repository-gpgkey-name = KEY\r\n',
      })
      const codes = codesOf(tree)
      for (const code of ['backup-name', 'shadowed', 'text-before-key', 'unbalanced-quote', 'carriage-return']) assert.ok(codes.includes(code), code)
    })

    it('warns that config and config-dir have no effect in a drop-in', function () {
      const report = lintTree(treeOf('', { '10.conf': 'config-dir = /etc/elsewhere.d\nconfig = /etc/other.conf\n' }))
      assert.deepEqual(report.problems.filter(problem => problem.code === 'no-effect').map(problem => problem.key), ['config-dir', 'config'])
    })

    it('finds nothing to warn about on a typical XCP-ng host with the managed file', function () {
      const main = [
        '# xapi settings',
        'disable-logging-for = http db_write redo_log api_readonly',
        'sm-plugins=ext nfs iscsi lvmoiscsi dummy file hba rawhba udev iso lvm lvmohba lvmofcoe shm smb cephfs glusterfs xfs zfs largeblock',
        'website-https-only = false',
        'create-tools-sr = true',
        'allow-custom-uefi-certs = true',
        'xenopsd-queues=org.xen.xapi.xenops.classic',
        'sparse_dd = /usr/libexec/xapi/sparse_dd',
        '',
      ].join('\n')
      const report = lintTree(
        treeOf(main, {
          'ssh-auto-mode.conf': 'ssh-auto-mode=false\n',
          'tracing.conf': 'disable-logging-for=tracing tracing_export\n',
          'xcpng-ntp.conf': 'factory-ntp-servers = 0.centos.pool.ntp.org 1.centos.pool.ntp.org\n',
          'zz-xo-xapi-config.conf': '# Managed by Xen Orchestra\npending_task_timeout = 172800\nhsts_max_age = 31536000\n',
        }),
        { xapiVersion: '26.1.3' }
      )
      assert.equal(report.outcome, 'starts')
      assert.deepEqual(report.problems.filter(problem => problem.severity !== 'info'), [])
    })

    it('lists problems in read order', function () {
      const report = lintTree(treeOf('foo = 1\n', { 'b.conf': 'bar = 1', 'a.conf': 'baz = 1' }))
      assert.deepEqual(report.problems.map(problem => problem.key), ['foo', 'baz', 'bar'])
    })
  })
})
