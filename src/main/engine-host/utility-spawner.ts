import { utilityProcess, type UtilityProcess } from 'electron'
import { TailBuffer, once, type ChildExit, type EngineChild, type EngineSpawner } from './spawner'

/** Spawns the bundled engine worker as an Electron utility process (the app's engine). */
export class UtilityProcessSpawner implements EngineSpawner {
  /**
   * @param workerPath the built worker, from `import workerPath from '../engine/worker?modulePath'`.
   * @param args read at each spawn, so a restart picks up changed settings.
   */
  constructor(
    readonly workerPath: string,
    readonly args: () => string[]
  ) {}

  spawn(): EngineChild {
    const child = utilityProcess.fork(this.workerPath, this.args(), {
      serviceName: 'Cache Studio engine',
      stdio: 'pipe'
    })
    return utilityChild(child)
  }
}

function utilityChild(child: UtilityProcess): EngineChild {
  const stderr = new TailBuffer()
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk)
    process.stderr.write(chunk)
  })
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk))
  let killedByUs = false
  return {
    get pid() {
      return child.pid
    },
    // The process's own port, bound once: each request and answer goes between the engine host and
    // Electron with no code of this module in between (docs/architecture.md, the way of a request).
    postMessage: child.postMessage.bind(child),
    onMessage: (listener) => void child.on('message', listener),
    onExit(listener) {
      const report = once<ChildExit>(listener)
      // Electron emits 'exit' after 'error' too, so 'error' only adds its words to the report.
      child.on('error', (type, location) => stderr.push(`\n${type} at ${location}\n`))
      child.on('exit', (code) => report({ code, signal: null, ...(killedByUs ? { killedByUs } : {}) }))
    },
    stderrTail: () => stderr.lastLines(),
    kill: () => {
      killedByUs = true
      child.kill()
    }
  }
}
