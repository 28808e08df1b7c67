import { useEffect, useMemo, useState } from 'react'
import type { GalleryEntry } from '../../../shared/gallery'
import { PixelCanvas } from './PixelCanvas'

/** The PNG frames of an entry, in order (an image has one; a video one per frame, the GIF aside). */
export const entryFrames = (entry: Pick<GalleryEntry, 'files'>): Uint8Array[] =>
  entry.files.filter((f) => f.mime === 'image/png').map((f) => f.bytes)

/** Playback of a video's frames: one clock that any number of viewers can follow in sync. */
export function usePlayback(frames: number, fps = 8) {
  const [frame, setFrame] = useState(0)
  const [playing, setPlaying] = useState(frames > 1)
  useEffect(() => {
    if (!playing || frames <= 1) return
    const timer = window.setInterval(() => setFrame((f) => (f + 1) % frames), 1000 / fps)
    return () => window.clearInterval(timer)
  }, [playing, frames, fps])
  const current = frames > 0 ? frame % frames : 0
  return { frame: current, setFrame, playing, setPlaying, frames }
}
export type Playback = ReturnType<typeof usePlayback>

/** A frame of an entry, drawn pixel-exact; videos follow the given playback clock. */
export function EntryCanvas({
  entry,
  frame,
  testId,
  className
}: {
  entry: GalleryEntry
  frame: number
  testId?: string
  className?: string
}) {
  const frames = useMemo(() => entryFrames(entry), [entry])
  const png = frames[Math.min(frame, frames.length - 1)]
  const source = useMemo(() => (png ? { png } : null), [png])
  return <PixelCanvas source={source} testId={testId} className={className} label={entry.recipe.prompt} />
}

/** Play/pause and a frame scrubber; nothing for a still image. */
export function PlaybackBar({ playback }: { playback: Playback }) {
  if (playback.frames <= 1) return null
  return (
    <div className="playback" data-testid="playback">
      <button
        type="button"
        className="icon-button"
        aria-label={playback.playing ? 'Pause' : 'Play'}
        onClick={() => playback.setPlaying(!playback.playing)}
      >
        {playback.playing ? '❚❚' : '▶'}
      </button>
      <input
        type="range"
        min={0}
        max={playback.frames - 1}
        value={playback.frame}
        aria-label="Frame"
        onChange={(e) => {
          playback.setPlaying(false)
          playback.setFrame(Number(e.target.value))
        }}
      />
      <span className="num dim">
        {playback.frame + 1}/{playback.frames}
      </span>
    </div>
  )
}
