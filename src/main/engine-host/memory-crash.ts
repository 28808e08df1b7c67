import { isAllocationFailure } from '../engine/errors'
import type { ChildExit } from './spawner'

/**
 * Why an engine exit looks like the machine ran out of memory, or null. The engine's own
 * allocation failures are answered as `resources` errors while it lives; this is for the ones
 * that end the process: V8's "heap out of memory" abort, a C++ bad_alloc that nothing caught,
 * and Linux's out-of-memory killer, whose SIGKILL is the only trace it leaves (a SIGKILL that the
 * host sent itself, to a hung engine or on restart, is told apart by `killedByUs`).
 */
export function memoryCrashReason(exit: ChildExit, stderrTail: string): string | null {
  if (isAllocationFailure(stderrTail) || /heap limit|heap out of memory/i.test(stderrTail)) {
    return 'it reported running out of memory'
  }
  const sigkill = exit.signal === 'SIGKILL' || exit.code === 128 + 9
  if (sigkill && !exit.killedByUs) {
    return 'killed by SIGKILL from outside the app, as the system does when memory runs out'
  }
  return null
}

/** The answer for a model whose generate ended the engine for lack of memory, until a restart by hand. */
export function exhaustedMessage(model: string, reason: string): string {
  return `${model}: the engine ran out of memory generating with it (${reason}); it is not run again until the engine is restarted`
}
