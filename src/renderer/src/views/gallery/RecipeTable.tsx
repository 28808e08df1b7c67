import { cacheTag } from '../../../../shared/cache-config'
import type { GalleryEntry } from '../../../../shared/gallery'
import { presetById } from '../../../../shared/presets'
import { formatMs } from '../../components/format'

/** Everything needed to reproduce the output, as stored with it. */
export function RecipeTable({ entry }: { entry: GalleryEntry }) {
  const r = entry.recipe
  const rows: [string, string][] = [
    ['Prompt', r.prompt],
    ['Negative', r.negativePrompt || '—'],
    ['Model', `${r.modelName} (${r.model})`],
    ['Seed', String(r.seed)],
    ['Steps', String(r.steps)],
    [
      'Guidance',
      `${r.guidanceScale}${r.guidanceScale2 === undefined ? '' : ` · ${r.guidanceScale2} low-noise`}` +
        (r.separateCfg ? ' · separate CFG' : ' · batched CFG')
    ],
    ['Cache', `${presetById(r.preset).label} · ${cacheTag(r.cache)}`],
    ['Provider', r.provider],
    ['Output', `${entry.width}×${entry.height}${entry.frames > 1 ? ` · ${entry.frames} frames` : ''}`],
    ['Time', `${formatMs(entry.timings.totalMs)} (denoise ${formatMs(entry.timings.denoiseMs)})`],
    ['Engine', r.engineVersion]
  ]
  return (
    <dl className="facts recipe" data-testid="recipe">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd className={k === 'Prompt' || k === 'Negative' ? '' : 'num'}>{v}</dd>
        </div>
      ))}
    </dl>
  )
}
