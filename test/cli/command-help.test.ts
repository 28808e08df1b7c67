import { describe, expect, it } from 'vitest'
import { BENCH_USAGE } from '../../src/cli/commands/bench'
import { BENCH_CI_USAGE } from '../../src/cli/commands/bench-ci'
import { REPLAY_USAGE } from '../../src/cli/commands/replay'
import { studio } from '../cli-harness'

/** Every command's -h/--help (flags.ts commandFlags): its usage on stdout, exit 0, nothing run. */

const COMMANDS = [
  'generate',
  'import',
  'inspect',
  'bench',
  'evaluate',
  'calibrate',
  'bench-segments',
  'replay',
  'serve',
  'worker'
]

describe('studio COMMAND --help', () => {
  for (const command of COMMANDS)
    it(`${command} --help and -h print its usage and exit 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await studio(command, flag)
        expect(r.code).toBe(0)
        expect(r.err).toEqual([])
        expect(r.out).toHaveLength(1)
        expect(r.out[0]).toMatch(new RegExp(`^Usage: studio ${command}\\b`))
      }
    })

  it('--help wins over what the command would otherwise refuse (no GOLDEN_DIR, no --model)', async () => {
    const r = await studio('replay', '--help')
    expect(r.out).toEqual([REPLAY_USAGE])
  })

  it("bench -h prints bench's usage, bench --ci -h the CI check's", async () => {
    expect((await studio('bench', '-h')).out).toEqual([BENCH_USAGE])
    expect((await studio('bench', '--ci', '-h')).out).toEqual([BENCH_CI_USAGE])
  })

  it('EXPECTED FAILURE - a flag the command does not take is a usage error (exit 2), not the usage', async () => {
    const r = await studio('inspect', '--no-such-flag')
    expect(r.code).toBe(2)
    expect(r.out).toEqual([])
    expect(r.err).toHaveLength(1)
    expect(r.err[0]).toMatch(/no-such-flag/)
  })
})
