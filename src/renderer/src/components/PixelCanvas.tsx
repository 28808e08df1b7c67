import { useEffect, useRef } from 'react'

type Source = { rgba: Uint8Array; width: number; height: number } | { png: Uint8Array }

interface Props {
  source: Source | null
  className?: string
  label?: string
  testId?: string
}

/**
 * Draws RGBA pixels or PNG bytes on a canvas at their own resolution; CSS scales it up with
 * `image-rendering: pixelated`, so a 32×32 output reads as crisp blocks, not a blur.
 */
export function PixelCanvas({ source, className, label, testId }: Props) {
  const ref = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    const canvas = ref.current
    if (!canvas || !source) return
    let cancelled = false
    if ('rgba' in source) {
      paint(canvas, new ImageData(new Uint8ClampedArray(source.rgba), source.width, source.height))
      return
    }
    // createImageBitmap decodes without a URL, so no CSP img-src exception is needed.
    void createImageBitmap(new Blob([source.png as BlobPart], { type: 'image/png' })).then((bitmap) => {
      if (cancelled) return
      canvas.width = bitmap.width
      canvas.height = bitmap.height
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0)
      canvas.dataset.ready = 'true'
      bitmap.close()
    })
    return () => {
      cancelled = true
    }
  }, [source])
  return (
    <canvas
      ref={ref}
      className={`pixel-canvas ${className ?? ''}`}
      role="img"
      aria-label={label}
      data-testid={testId}
      data-empty={source ? undefined : 'true'}
    />
  )
}

function paint(canvas: HTMLCanvasElement, image: ImageData): void {
  canvas.width = image.width
  canvas.height = image.height
  canvas.getContext('2d')?.putImageData(image, 0, 0)
  canvas.dataset.ready = 'true'
}
