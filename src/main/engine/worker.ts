/**
 * The engine process entry: Electron's utility process in the app, a forked Node child in tests.
 * It wires the engine to the host's message channel and does nothing else.
 */
import { Engine } from './engine'
import { compareImages } from './metrics/compare'
import { EngineServer, hostTransport } from './server/server'
import { readEngineArgs } from '../../shared/engine-options'

async function main(): Promise<void> {
  // 1. The channel to the host (throws if this process has none: run it forked or as a utility process).
  const transport = hostTransport()
  // 2. The engine, with the options the host passed on the command line.
  const engine = await Engine.create(readEngineArgs(process.argv))
  // 3. Serve requests (compare: PSNR, SSIM and the difference heatmap); the server says `ready`.
  new EngineServer(engine, transport, compareImages).start()
}

main().catch((e: unknown) => {
  // The host reads stderr's tail when the process exits: say why, then exit non-zero.
  process.stderr.write(
    `engine: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`
  )
  process.exit(1)
})
