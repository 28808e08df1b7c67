import { Fragment, type ReactNode } from 'react'
import { cacheTag } from '../../../../shared/cache-config'
import type { GalleryEntry } from '../../../../shared/gallery'
import { presetById } from '../../../../shared/presets'
import { formatMs } from '../../components/format'

/** Everything needed to reproduce the output, as stored with it. */
export function RecipeTable({ entry }: { entry: GalleryEntry }) {
  const r = entry.recipe
  const rows: [string, ReactNode][] = [
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
    ['Cache', breakAfterUnderscores(`${presetById(r.preset).label} · ${cacheTag(r.cache)}`)],
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

/**
 * The cache tag (DBCache_F8B0_W8I1M0MC0_R0.08_T000) is one long word: in the detail column it broke
 * anywhere ("R0." over "08_T000"); a break opportunity after each underscore keeps its fields whole.
 */
function breakAfterUnderscores(text: string): ReactNode {
  return text.split('_').map((part, i, parts) => (
    <Fragment key={i}>
      {part}
      {i < parts.length - 1 && (
        <>
          _<wbr />
        </>
      )}
    </Fragment>
  ))
}
