import { main } from '../src/cli/index'
import type { CliIO } from '../src/cli/io'

/** Runs the studio CLI in-process and keeps what it printed, as a terminal would show it. */
export async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), status: null }
  const code = await main(argv, io)
  return { code, out, err }
}
