import { EngineFailure } from '../main/engine/errors'
import { COMMANDS } from './commands/index'
import { consoleIO, UsageError, type CliIO } from './io'

/**
 * `studio <command> [flags]` (npm run studio -- …; npm run generate -- … is `studio generate`).
 * Errors end as one line on stderr: exit 2 for bad usage, 1 for anything the engine refused.
 */

export async function main(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage())
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err(`studio: unknown command "${name}" (one of ${Object.keys(COMMANDS).join(', ')})`)
    return 2
  }
  try {
    return await command.run(rest, io)
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e)
    io.err(`studio ${name}: ${message}`)
    if (e instanceof UsageError) return 2
    if (!(e instanceof EngineFailure) && process.env.STUDIO_DEBUG) io.err(String((e as Error).stack))
    return 1
  }
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length))
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`)
  return ['Usage: studio <command> [flags]   (studio <command> --help for its flags)', '', ...lines].join(
    '\n'
  )
}

const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))
if (isEntry) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
