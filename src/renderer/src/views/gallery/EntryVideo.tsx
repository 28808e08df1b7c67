import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react'
import type { GalleryEntry } from '../../../../shared/gallery'
import { VIDEO_FILE } from '../../../../shared/generation'

/** The entry's playable video file (VP9 WebM), or undefined for images and entries saved before it. */
export const entryVideoFile = (entry: Pick<GalleryEntry, 'files'>) =>
  entry.files.find((f) => f.mime === VIDEO_FILE.mime)

interface Props {
  entry: GalleryEntry
  testId?: string
  className?: string
  /** Native controls (the gallery); the compare view drives its two players with one bar instead. */
  controls?: boolean
  autoPlay?: boolean
}

/**
 * The entry's WebM in a <video> element: what a player makes of the saved file, looping, muted
 * (there is no sound) and scaled up without smoothing like the frame canvases.
 */
export const EntryVideo = forwardRef<HTMLVideoElement, Props>(function EntryVideo(
  { entry, testId, className, controls = true, autoPlay = true },
  ref
) {
  const file = entryVideoFile(entry)
  const video = useRef<HTMLVideoElement>(null)
  useImperativeHandle(ref, () => video.current as HTMLVideoElement)
  // The bytes came through IPC (the page reads no files): a blob: URL, the only media source the
  // CSP allows, made for this element and revoked when the bytes change or the view goes.
  useEffect(() => {
    const element = video.current
    if (!element || !file) return
    const url = URL.createObjectURL(new Blob([file.bytes as BlobPart], { type: VIDEO_FILE.mime }))
    element.src = url
    return () => {
      element.removeAttribute('src')
      element.load()
      URL.revokeObjectURL(url)
    }
  }, [file])
  if (!file) return null
  return (
    <video
      ref={video}
      className={`entry-video ${className ?? ''}`}
      data-testid={testId}
      aria-label={entry.recipe.prompt}
      controls={controls}
      autoPlay={autoPlay}
      loop
      muted
      playsInline
      preload="auto"
    />
  )
})
