/**
 * The seam between the engine host and the process it supervises. The app spawns the engine as
 * an Electron utility process; tests spawn the same worker as a plain Node child. Both speak the
 * protocol of src/shared/engine-protocol.ts with structured-clone messages.
 */
export interface EngineChild {
  readonly pid: number | undefined
  postMessage(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  /** Called once, when the process is gone (crash, kill, or spawn failure). */
  onExit(listener: (exit: ChildExit) => void): void
  /** The last lines the child wrote to stderr, for crash reports. */
  stderrTail(): string
  kill(): void
}

export interface ChildExit {
  code: number | null
  signal: string | null
  /** Set when the process could not be started or the channel failed. */
  error?: string
  /** True when it ended after our own kill(): a signal that came from elsewhere (the OOM killer) is not ours. */
  killedByUs?: boolean
}

export interface EngineSpawner {
  spawn(): EngineChild
}

/** Keeps the end of a stream: enough to say why a process died, bounded so a chatty one can't grow it. */
export class TailBuffer {
  #text = ''
  constructor(readonly maxChars = 4000) {}

  push(chunk: Buffer | string): void {
    this.#text = (this.#text + chunk.toString()).slice(-this.maxChars)
  }

  lastLines(count = 8): string {
    return this.#text.trimEnd().split('\n').slice(-count).join('\n')
  }
}

/** Calls `listener` at most once, whichever of several exit signals comes first. */
export function once<T>(listener: (value: T) => void): (value: T) => void {
  let called = false
  return (value) => {
    if (called) return
    called = true
    listener(value)
  }
}

/** Stands for a process that could not be started: it "exits" at once with the reason. */
export function failedChild(error: string): EngineChild {
  return {
    pid: undefined,
    postMessage: () => undefined,
    onMessage: () => undefined,
    onExit: (listener) => queueMicrotask(() => listener({ code: null, signal: null, error })),
    stderrTail: () => '',
    kill: () => undefined
  }
}

/** An exit in the words of a crash report: the channel's error, the signal, or the exit code. */
export function describeExit(exit: ChildExit): string {
  if (exit.error) return exit.error
  if (exit.signal) return `killed by ${exit.signal}`
  return `exit code ${exit.code ?? 'unknown'}`
}
