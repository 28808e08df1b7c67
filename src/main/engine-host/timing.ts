/**
 * The supervisor's clocks. Each is a named constant because each is a guess about a slow
 * machine, and the reason for the guess belongs next to the number.
 */

/**
 * From spawn to the engine's `ready`: loading onnxruntime-node and the worker bundle takes about
 * a second, but on a 2-core machine that is also training a model it has taken ten. Past this,
 * the engine counts as hung and is killed and restarted like a crash.
 */
export const READY_TIMEOUT_MS = 30_000

/**
 * For every request but generate (status, listModels, inspectModel, compare). inspectModel
 * hashes every file of a model package (sha256 at a few hundred MB/s on a slow disk), so a
 * large model takes tens of seconds; an engine that is silent for longer is stuck.
 * A generate has no timeout: it reports progress and the user can cancel it.
 */
export const REQUEST_TIMEOUT_MS = 120_000

/**
 * Delay before restart number n (1-based) after a crash. The first restart is quick so a one-off
 * crash costs the user nothing; later ones back off so a crash loop doesn't pin a core.
 */
export const RESTART_BACKOFF_MS = [200, 1_000, 5_000] as const

/**
 * More than MAX_CRASHES crashes within CRASH_WINDOW_MS means the engine cannot start (a broken
 * install, a model that crashes ORT on load): stop restarting and show the error instead.
 */
export const MAX_CRASHES = 5
export const CRASH_WINDOW_MS = 60_000

export function restartDelay(
  crashesInWindow: number,
  backoff: readonly number[] = RESTART_BACKOFF_MS
): number {
  return backoff[Math.min(Math.max(crashesInWindow, 1), backoff.length) - 1]
}
