import { useEffect, useRef, useState } from 'react'
import type { GalleryEntry } from '../../../../shared/gallery'
import { presetById } from '../../../../shared/presets'
import { EntryVideo, entryVideoFile } from '../gallery/EntryVideo'

/**
 * The two saved WebM files played side by side, as a player shows them: one play/pause for both,
 * and the uncached player following the cached one's clock (re-aligned when it drifts by more than
 * half a frame, on seeks and on each loop), so the same moment shows in both.
 */
export function CompareVideos({ cached, uncached }: { cached: GalleryEntry; uncached: GalleryEntry }) {
  const lead = useRef<HTMLVideoElement>(null)
  const follow = useRef<HTMLVideoElement>(null)
  const [playing, setPlaying] = useState(true)
  const halfFrame = 0.5 / (cached.fps ?? 8)

  useEffect(() => {
    for (const v of [lead.current, follow.current]) {
      if (!v) continue
      if (playing)
        void v.play().catch(() => undefined) // a removed element rejects; nothing to do
      else v.pause()
    }
  }, [playing])

  useEffect(() => {
    const a = lead.current
    const b = follow.current
    if (!a || !b) return
    const align = (): void => {
      if (Math.abs(b.currentTime - a.currentTime) > halfFrame) b.currentTime = a.currentTime
    }
    const events = ['timeupdate', 'seeked', 'play'] as const
    for (const e of events) a.addEventListener(e, align)
    return () => {
      for (const e of events) a.removeEventListener(e, align)
    }
  })

  if (!entryVideoFile(cached) || !entryVideoFile(uncached)) return null
  const restart = (): void => {
    for (const v of [lead.current, follow.current]) if (v) v.currentTime = 0
  }
  return (
    <section className="card compare-videos" data-testid="compare-videos">
      <div className="card-head">
        <h2>Saved videos</h2>
        <span className="dim">the WebM files as a player shows them, played together</span>
        <button
          type="button"
          className="secondary-button"
          data-testid="compare-videos-toggle"
          onClick={() => setPlaying(!playing)}
        >
          {playing ? 'Pause both' : 'Play both'}
        </button>
        <button type="button" className="secondary-button" onClick={restart}>
          Restart
        </button>
      </div>
      <div className="compare-video-pair">
        <figure>
          <figcaption>Cached · {presetById(cached.recipe.preset).label}</figcaption>
          <div className="compare-video-stage checker">
            <EntryVideo
              ref={lead}
              entry={cached}
              controls={false}
              autoPlay={playing}
              testId="compare-video-cached"
            />
          </div>
        </figure>
        <figure>
          <figcaption>Uncached</figcaption>
          <div className="compare-video-stage checker">
            <EntryVideo
              ref={follow}
              entry={uncached}
              controls={false}
              autoPlay={playing}
              testId="compare-video-uncached"
            />
          </div>
        </figure>
      </div>
    </section>
  )
}
