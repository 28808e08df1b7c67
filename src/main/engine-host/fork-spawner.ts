import { fork, type ChildProcess } from 'node:child_process'
import { TailBuffer, once, type ChildExit, type EngineChild, type EngineSpawner } from './spawner'

export interface ForkSpawnerOptions {
  /** The worker entry: src/main/engine/worker.ts (run through tsx) or a built .js file. */
  entry: string
  args?: string[]
  /** Echo the child's stderr to ours (off in tests so crash output doesn't drown the report). */
  echoStderr?: boolean
  env?: NodeJS.ProcessEnv
}

/**
 * Spawns the engine worker as a plain Node child. Tests use it to run the real protocol against a
 * real process — a real crash is `kill()` — without an Electron binary.
 */
export class ForkSpawner implements EngineSpawner {
  constructor(readonly options: ForkSpawnerOptions) {}

  spawn(): EngineChild {
    const { entry, args = [], echoStderr = false, env = process.env } = this.options
    const child = fork(entry, args, {
      // A .ts entry runs through tsx, so tests need no build step.
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      // Structured clone, as in a utility process: Uint8Array pixels cross without base64.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env
    })
    return forkedChild(child, echoStderr)
  }
}

function forkedChild(child: ChildProcess, echoStderr: boolean): EngineChild {
  const stderr = new TailBuffer()
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
    if (echoStderr) process.stderr.write(chunk)
  })
  let killedByUs = false
  return {
    pid: child.pid,
    postMessage(message) {
      if (!child.connected) return // the exit listener reports the failure
      child.send(message as object, (error) => {
        if (error) stderr.push(`\nhost: send failed: ${error.message}\n`)
      })
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit(listener) {
      const report = once<ChildExit>(listener)
      // 'close', not 'exit': it comes after stderr is drained, so the tail holds the last words.
      child.on('close', (code, signal) => report({ code, signal, ...(killedByUs ? { killedByUs } : {}) }))
      child.on('error', (error) => report({ code: null, signal: null, error: error.message }))
    },
    stderrTail: () => stderr.lastLines(),
    kill: () => {
      killedByUs = true
      child.kill('SIGKILL')
    }
  }
}
