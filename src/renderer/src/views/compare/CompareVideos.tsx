import { useEffect, useRef, type RefObject } from 'react'
import type { GalleryEntry } from '../../../../shared/gallery'
import { presetById } from '../../../../shared/presets'
import { EntryVideo, entryVideoFile } from '../gallery/EntryVideo'

interface Props {
  cached: GalleryEntry
  uncached: GalleryEntry
  /** The compare view's one clock: its play/pause drives these players too. */
  playing: boolean
  /** While paused, the frame the panes show: both players show the same moment. */
  frame: number
}

/**
 * The two saved WebM files played side by side, as a player shows them. They follow the compare
 * view's playback: playing together (the uncached player re-aligned to the cached one's clock when
 * it drifts by more than half a frame, on seeks and on each loop), paused together on the frame
 * the panes and metrics show.
 */
export function CompareVideos({ cached, uncached, playing, frame }: Props) {
  const lead = useRef<HTMLVideoElement>(null)
  const follow = useRef<HTMLVideoElement>(null)
  const fps = cached.fps ?? 8

  useEffect(() => {
    for (const v of [lead.current, follow.current]) {
      if (!v) continue
      if (playing) {
        void v.play().catch(() => undefined) // a removed element rejects; nothing to do
        continue
      }
      v.pause()
      v.currentTime = (frame + 0.5) / fps // mid-frame: no rounding lands on a neighbour
    }
  }, [playing, frame, fps])

  useEffect(() => {
    const a = lead.current
    const b = follow.current
    if (!a || !b) return
    const align = (): void => {
      if (Math.abs(b.currentTime - a.currentTime) > 0.5 / fps) b.currentTime = a.currentTime
    }
    const events = ['timeupdate', 'seeked', 'play'] as const
    for (const e of events) a.addEventListener(e, align)
    return () => {
      for (const e of events) a.removeEventListener(e, align)
    }
  })

  if (!entryVideoFile(cached) || !entryVideoFile(uncached)) return null
  return (
    <section className="card compare-videos" data-testid="compare-videos">
      <div className="card-head">
        <h2>Saved videos</h2>
        <span className="dim">
          the WebM files as a player shows them, following the play/pause and frame above
        </span>
      </div>
      <div className="compare-video-pair">
        <VideoFigure
          ref={lead}
          run={cached}
          side="cached"
          caption={`Cached · ${presetById(cached.recipe.preset).label}`}
          playing={playing}
        />
        <VideoFigure ref={follow} run={uncached} side="uncached" caption="Uncached" playing={playing} />
      </div>
    </section>
  )
}

/** One run's saved video, captioned; the compare view's playback drives it (no controls of its own). */
function VideoFigure(props: {
  ref: RefObject<HTMLVideoElement | null>
  run: GalleryEntry
  side: 'cached' | 'uncached'
  caption: string
  playing: boolean
}) {
  const { ref, run, side, caption, playing } = props
  return (
    <figure>
      <figcaption>{caption}</figcaption>
      <div className="compare-video-stage checker">
        <EntryVideo
          ref={ref}
          entry={run}
          controls={false}
          autoPlay={playing}
          testId={`compare-video-${side}`}
        />
      </div>
    </figure>
  )
}
