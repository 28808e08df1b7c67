import LibAVWrapper from '@libav.js/variant-webm-vp9'

/**
 * libav.js is FFmpeg (libavformat, libavcodec, libswscale) and libvpx compiled to WebAssembly; this
 * variant holds the WebM muxer and the VP9 encoder (docs/video.md says why this one). It runs in the
 * calling thread: no worker of its own (the engine already runs off the app's main thread) and no
 * WebAssembly threads (a browser needs cross-origin isolation for them, and clips this size gain little).
 */
export type LibAV = Awaited<ReturnType<typeof openLibAV>>

export function openLibAV() {
  return LibAVWrapper.LibAV({ noworker: true, nothreads: true })
}
