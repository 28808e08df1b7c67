import { openLibAV } from '../../src/main/engine/pipeline/video/libav'

/**
 * The frames of a video file as RGBA8, frame-major: demuxed by FFmpeg's Matroska demuxer and decoded
 * by its own VP9 decoder (not libvpx, which encoded them), then converted back by swscale.
 */
export async function decodeToRgba(
  bytes: Uint8Array
): Promise<{ width: number; height: number; rgba: Uint8Array[] }> {
  const libav = await openLibAV()
  try {
    await libav.av_log_set_level(libav.AV_LOG_ERROR)
    await libav.writeFile('in.webm', bytes)
    const [fmt, streams] = await libav.ff_init_demuxer_file('in.webm')
    const video = streams.find((s) => s.codec_type === libav.AVMEDIA_TYPE_VIDEO)
    if (!video) throw new Error('no video stream')
    const [, c, pkt, frame] = await libav.ff_init_decoder(video.codec_id, { codecpar: video.codecpar })
    const [, packets] = await libav.ff_read_frame_multi(fmt, pkt)
    const decoded = await libav.ff_decode_multi(c, pkt, frame, packets[video.index] ?? [], true)
    const out: Uint8Array[] = []
    let width = 0
    let height = 0
    let sws = 0
    const src = await libav.av_frame_alloc()
    const dst = await libav.av_frame_alloc()
    for (const f of decoded) {
      width = f.width ?? 0
      height = f.height ?? 0
      if (!sws)
        sws = await libav.sws_getContext(
          width,
          height,
          f.format,
          width,
          height,
          libav.AV_PIX_FMT_RGBA,
          4,
          0,
          0,
          0
        )
      await libav.ff_copyin_frame(src, f)
      await libav.sws_scale_frame(sws, dst, src)
      const rgba = await libav.ff_copyout_frame(dst)
      const { offset, stride } = rgba.layout?.[0] ?? { offset: 0, stride: width * 4 }
      const packed = new Uint8Array(width * height * 4)
      for (let y = 0; y < height; y++)
        packed.set(
          (rgba.data as Uint8Array).subarray(offset + y * stride, offset + y * stride + width * 4),
          y * width * 4
        )
      out.push(packed)
    }
    return { width, height, rgba: out }
  } finally {
    libav.terminate()
  }
}

/** Peak signal-to-noise ratio of two RGBA8 frames over R, G and B, in dB. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0
  let n = 0
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue
    const d = a[i] - b[i]
    sum += d * d
    n++
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sum / n))
}
