import { openLibAV, type LibAV } from './libav'

/** A clip as the pipelines decode it: RGBA8 pixels, frame-major, played at `fps`. */
export interface RgbaClip {
  width: number
  height: number
  frames: number
  fps: number
  rgba: Uint8Array
}

/** Container tags (Matroska SimpleTags): the recipe travels inside the file, as in the PNGs. */
export type VideoTags = Record<string, string>

export const WEBM_MIME = 'video/webm'

/**
 * libvpx's constant-quality mode (a CRF with no bitrate target): a tiny clip stays sharp instead of
 * being starved by a default bitrate, and 15 keeps the cached/uncached differences visible. The
 * realtime deadline at cpu-used 8 gave the same PSNR as "good" at cpu-used 4 on a 416×240 clip
 * (40.6 dB) in a third to a sixth of the time, for files about 1.5× larger (docs/video.md).
 */
const VP9_OPTIONS = { crf: '15', b: '0', deadline: 'realtime', 'cpu-used': '8' }

/** swscale's RGB→YUV default is BT.601 limited range; the stream is tagged so players undo exactly that. */
const BT601 = 6 // AVCOL_PRI_SMPTE170M = AVCOL_TRC_SMPTE170M = AVCOL_SPC_SMPTE170M
const LIMITED_RANGE = 1 // AVCOL_RANGE_MPEG
const SWS_BICUBIC = 4

/**
 * A WebM file (VP9, 4:2:0, profile 0: what every browser, Electron and desktop player decodes)
 * of the clip, one frame per 1/fps second. Encoding and muxing are FFmpeg's and libvpx's own.
 */
export async function encodeWebm(clip: RgbaClip, tags: VideoTags = {}): Promise<Uint8Array<ArrayBuffer>> {
  checkClip(clip)
  const libav = await openLibAV()
  try {
    await libav.av_log_set_level(libav.AV_LOG_ERROR) // not libvpx's version banner on every encode
    return await encodeWith(libav, clip, tags)
  } catch (e) {
    throw new Error(`video: could not encode the ${clip.width}×${clip.height} clip as WebM: ${message(e)}`, {
      cause: e
    })
  } finally {
    libav.terminate()
  }
}

async function encodeWith(libav: LibAV, clip: RgbaClip, tags: VideoTags): Promise<Uint8Array<ArrayBuffer>> {
  const { width, height, frames } = clip
  const [rateNum, rateDen] = frameRate(clip.fps)
  const [, codec, encFrame, pkt] = await libav.ff_init_encoder('libvpx-vp9', {
    ctx: {
      pix_fmt: libav.AV_PIX_FMT_YUV420P,
      width,
      height,
      framerate_num: rateNum,
      framerate_den: rateDen,
      gop_size: frames
    },
    time_base: [rateDen, rateNum],
    options: VP9_OPTIONS
  })
  const par = await libav.avcodec_parameters_alloc()
  await libav.avcodec_parameters_from_context(par, codec)
  await libav.AVCodecParameters_color_primaries_s(par, BT601)
  await libav.AVCodecParameters_color_trc_s(par, BT601)
  await libav.AVCodecParameters_color_space_s(par, BT601)
  await libav.AVCodecParameters_color_range_s(par, LIMITED_RANGE)
  const name = 'clip.webm'
  const [oc, , pb] = await libav.ff_init_muxer(
    { format_name: 'webm', filename: name, open: true, codecpars: true },
    [[par, rateDen, rateNum]]
  )
  // libav.js's av_dict_set_js takes the dictionary and returns it (allocated on first use).
  let dict = await libav.AVFormatContext_metadata(oc)
  for (const [key, value] of Object.entries(tags)) dict = await libav.av_dict_set_js(dict, key, value, 0)
  await libav.AVFormatContext_metadata_s(oc, dict)
  await libav.avformat_write_header(oc, 0)
  const sws = await libav.sws_getContext(
    width,
    height,
    libav.AV_PIX_FMT_RGBA,
    width,
    height,
    libav.AV_PIX_FMT_YUV420P,
    SWS_BICUBIC,
    0,
    0,
    0
  )
  const rgbFrame = await libav.av_frame_alloc()
  const yuvFrame = await libav.av_frame_alloc()
  const size = width * height * 4
  const packets = []
  for (let f = 0; f < frames; f++) {
    await libav.ff_copyin_frame(rgbFrame, {
      data: clip.rgba.subarray(f * size, (f + 1) * size),
      format: libav.AV_PIX_FMT_RGBA,
      width,
      height
    })
    await libav.sws_scale_frame(sws, yuvFrame, rgbFrame)
    const yuv = await libav.ff_copyout_frame(yuvFrame)
    // 64-bit timestamps cross as two halves; the copied-out frame's high half is AV_NOPTS_VALUE's.
    yuv.pts = f
    yuv.ptshi = 0
    packets.push(...(await libav.ff_encode_multi(codec, encFrame, pkt, [yuv])))
  }
  packets.push(...(await libav.ff_encode_multi(codec, encFrame, pkt, [], true)))
  // Each packet lasts one frame: the muxer's duration then covers the last frame too.
  for (const p of packets) Object.assign(p, { stream_index: 0, duration: 1, durationhi: 0 })
  await libav.ff_write_multi(oc, pkt, packets)
  await libav.av_write_trailer(oc)
  await libav.ff_free_muxer(oc, pb)
  await libav.sws_freeContext(sws)
  await libav.av_frame_free_js(rgbFrame)
  await libav.av_frame_free_js(yuvFrame)
  await libav.avcodec_parameters_free_js(par)
  await libav.ff_free_encoder(codec, encFrame, pkt)
  const bytes = await libav.readFile(name)
  await libav.unlink(name)
  return new Uint8Array(bytes)
}

/** fps as a reduced fraction (16 → 16/1, 23.976 → 2997/125): one frame is one tick of the time base. */
export function frameRate(fps: number): [number, number] {
  const den = 1000
  const num = Math.round(fps * den)
  const g = gcd(num, den)
  return [num / g, den / g]
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

function checkClip(clip: RgbaClip): void {
  const { width, height, frames, fps } = clip
  for (const [what, v] of [
    ['width', width],
    ['height', height],
    ['frames', frames]
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`video: ${what} must be a positive integer, not ${v}`)
  if (!(fps >= 1 && fps <= 240)) throw new Error(`video: fps must be between 1 and 240, not ${fps}`)
  if (clip.rgba.length !== width * height * 4 * frames)
    throw new Error(
      `video: ${clip.rgba.length} bytes of pixels for ${frames} RGBA frames of ${width}×${height} (expected ${width * height * 4 * frames})`
    )
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))
