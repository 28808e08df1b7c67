import type { GalleryEntry } from '../../../shared/gallery'
import type { ModelInfo } from '../../../shared/manifest'

/**
 * Whether a run has no per-step cache trace to chart because its engine sends none: a plain
 * OpenAI Images API server (main/remote/openai-images.ts). Its models list no transformers and its
 * outputs' recipes name it (`openai-images URL`); the app's engine and studio serve always trace.
 */
export function isTraceless(entry: GalleryEntry | null, model: ModelInfo | undefined): boolean {
  if (entry) return entry.trace.length === 0 && entry.recipe.engineVersion.startsWith('openai-images ')
  return model !== undefined && model.transformers.length === 0
}

/** In place of the cache chart: why there is none, said plainly. */
export function NoTraceNote({ entry }: { entry: GalleryEntry | null }) {
  const server = entry?.recipe.engineVersion.replace(/^openai-images /, '') ?? 'this server'
  return (
    <p className="empty-note" data-testid="no-trace">
      No cache chart: {server} is a plain OpenAI Images API server, which sends the finished image only,
      without live progress or a per-step cache trace.
    </p>
  )
}
