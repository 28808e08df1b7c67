import { readFileSync } from 'node:fs'
import { BenchReportSchema, type BenchReport } from '../../bench/result'
import { DEFAULT_BODY_LIMIT } from '../../serve/server-options'
import { startServer } from '../../serve/start'
import { throughputTable } from '../../serve/throughput'
import { randomToken, readTokenFile, TokenFileError } from '../../serve/token'
import { describeIssues } from '../../shared/validation'
import { intFlag, numberFlag, commandFlags, providerFlag } from '../flags'
import { consoleIO, UsageError, type CliIO } from '../io'
import { modelDirs } from '../models'
import { untilStopped } from './worker'

/** `studio serve`: the engine behind an HTTP server speaking OpenAI's Images API (docs/serving.md). */

const DEFAULT_BENCH = 'docs/bench/bench.json'

export const SERVE_USAGE = `Usage: studio serve [options]
  --host H               address to listen on (default 127.0.0.1: this machine only)
  --port N               port (default 8420, not ComfyUI's 8188; 0 = any free port, printed)
  --token-file F         file holding the bearer token clients must send (mode 600; required
                         off loopback; default: a random token, printed once)
  --models-dir DIR       also offer the models here (repeatable; --models DIR is the same)
  --default-model ID     the model of a request that names none (default: the first image model)
  --provider P           auto|cpu|cuda|dml|coreml for every generation (default: auto)
  --threads N            ONNX Runtime intra-op threads per session (default: ORT's choice)
  --max-jobs N           jobs running at once (default 1 here: one engine each; 8 with --queue)
  --max-queue N          jobs waiting at most; past it requests get 429 (default 32)
  --body-limit BYTES     largest request body; past it 413 (default ${DEFAULT_BODY_LIMIT})
  --queue redis://…      enqueue on a render farm (studio worker) instead of running here
       studio serve --throughput [--bench FILE] [--overhead-ms MS]
                         jobs/hour per farm worker from bench figures (default ${DEFAULT_BENCH})`

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'token-file': { type: 'string' },
  'models-dir': { type: 'string', multiple: true },
  models: { type: 'string', multiple: true },
  'default-model': { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  'max-jobs': { type: 'string' },
  'max-queue': { type: 'string' },
  'body-limit': { type: 'string' },
  queue: { type: 'string' },
  throughput: { type: 'boolean' },
  bench: { type: 'string' },
  'overhead-ms': { type: 'string' }
} as const

export async function serveCommand(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const parsed = commandFlags(argv, OPTIONS, SERVE_USAGE, io)
  if (!parsed) return 0
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  if (values.throughput) {
    const report = readBench(values.bench ?? DEFAULT_BENCH)
    for (const line of throughputTable(report, numberFlag('overhead-ms', values['overhead-ms'], 0, 1e7) ?? 0))
      io.out(line)
    return 0
  }
  const host = values.host ?? '127.0.0.1'
  const tokenFile = values['token-file']
  if (tokenFile === undefined && !isLoopback(host)) {
    throw new UsageError(`--host ${host} is reachable from other machines: give --token-file`)
  }
  let token: string
  try {
    token = tokenFile === undefined ? randomToken() : await readTokenFile(tokenFile)
  } catch (e) {
    if (e instanceof TokenFileError) throw new UsageError(e.message)
    throw e
  }
  const farm = values.queue !== undefined
  const server = await startServer({
    host,
    port: intFlag('port', values.port, 0, 65535) ?? 8420,
    token,
    modelDirs: modelDirs([...(values['models-dir'] ?? []), ...(values.models ?? [])]),
    provider: providerFlag(values.provider),
    tuning: { intraOpThreads: intFlag('threads', values.threads, 0, 256) ?? 0 },
    maxJobs: intFlag('max-jobs', values['max-jobs'], 1, farm ? 10_000 : 64) ?? (farm ? 8 : 1),
    maxQueued: intFlag('max-queue', values['max-queue'], 0, 100_000) ?? 32,
    bodyLimit: intFlag('body-limit', values['body-limit'], 1024, 64 * 1024 * 1024) ?? DEFAULT_BODY_LIMIT,
    defaultModel: values['default-model'],
    queueUrl: values.queue
  })
  io.out(
    `studio serve: listening on ${server.url} (${farm ? `farm at ${values.queue}` : 'engine in this process'})`
  )
  if (tokenFile === undefined) io.out(`studio serve: token ${token} (send "Authorization: Bearer ${token}")`)
  await untilStopped()
  io.out('studio serve: stopping')
  await server.close()
  return 0
}

function readBench(path: string): BenchReport {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new UsageError(`--bench: cannot read ${path} (${(e as Error).message}); make it with npm run bench`)
  }
  const parsed = BenchReportSchema.safeParse(json)
  if (!parsed.success) throw new UsageError(describeIssues(`--bench ${path}`, parsed.error))
  return parsed.data
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
