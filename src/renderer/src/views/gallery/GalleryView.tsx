import { useEffect } from 'react'
import { useStudioStore } from '../../store'
import { GalleryCard } from './GalleryCard'
import { GalleryDetail } from './GalleryDetail'
import { UndoToast } from './UndoToast'

/** Every stored output, newest first; the selected one in detail on the right. */
export function GalleryView() {
  const entries = useStudioStore((s) => s.entries)
  const selectedId = useStudioStore((s) => s.selectedEntryId)
  const error = useStudioStore((s) => s.galleryError)
  const lastExport = useStudioStore((s) => s.lastExport)
  const loadGallery = useStudioStore((s) => s.loadGallery)
  useEffect(() => void loadGallery(), [loadGallery])
  return (
    <div className="view gallery-view" data-testid="gallery-view">
      <div className="gallery-main">
        <header className="view-header">
          <h1>Gallery</h1>
          <span className="dim num">
            {entries.length} {entries.length === 1 ? 'output' : 'outputs'}
          </span>
          {lastExport && <span className="dim">Exported to {lastExport}</span>}
        </header>
        {error && (
          <p className="status-line error" role="alert">
            {error}
          </p>
        )}
        {entries.length === 0 ? (
          <p className="empty-note">
            Nothing here yet. Every output you generate is kept here, with its recipe and cache trace.
          </p>
        ) : (
          <div className="gallery-grid" data-testid="gallery-grid">
            {entries.map((m) => (
              <GalleryCard key={m.id} meta={m} selected={m.id === selectedId} />
            ))}
          </div>
        )}
      </div>
      <GalleryDetail />
      <UndoToast />
    </div>
  )
}
