import { useEffect } from 'react'
import type { GalleryEntryMeta } from '../../../../shared/gallery'
import { presetById } from '../../../../shared/presets'
import { EntryCanvas } from '../../components/FramePlayer'
import { formatDate, formatMs, presetShortLabel } from '../../components/format'
import { useStudioStore } from '../../store'

/** A thumbnail with the facts that tell runs apart: preset, seed, time. */
export function GalleryCard({ meta, selected }: { meta: GalleryEntryMeta; selected: boolean }) {
  const entry = useStudioStore((s) => s.loadedEntries[meta.id])
  const fetchEntry = useStudioStore((s) => s.fetchEntry)
  const selectEntry = useStudioStore((s) => s.selectEntry)
  useEffect(() => {
    if (!entry) void fetchEntry(meta.id).catch(() => undefined)
  }, [entry, fetchEntry, meta.id])
  return (
    <button
      type="button"
      className={selected ? 'gallery-card selected' : 'gallery-card'}
      data-testid="gallery-card"
      data-entry={meta.id}
      onClick={() => void selectEntry(meta.id)}
    >
      <div className="thumb checker">
        {entry ? <EntryCanvas entry={entry} frame={0} /> : <span className="spinner" />}
      </div>
      <div className="card-caption">
        <span className="caption-prompt" title={meta.recipe.prompt}>
          {meta.recipe.prompt || '(empty prompt)'}
        </span>
        <span className="caption-facts">
          <span
            className={meta.recipe.cache.enabled ? 'tag preset accent' : 'tag preset'}
            title={presetById(meta.recipe.preset).label}
          >
            {presetShortLabel(meta.recipe.preset)}
          </span>
          {meta.kind === 'video' && <span className="tag video">video</span>}
          <span className="num dim">#{meta.recipe.seed}</span>
          <span className="num dim">{formatMs(meta.timings.totalMs)}</span>
        </span>
        <span className="caption-date dim">{formatDate(meta.createdAt)}</span>
      </div>
    </button>
  )
}
