import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny'

/**
 * What a player learns of a video file, read by mediabunny's demuxer: an implementation of its own
 * (TypeScript, not FFmpeg), so a file the engine's FFmpeg muxer wrote is checked by a second reader.
 */
export interface VideoProbe {
  format: string
  mimeType: string
  codec: string | null
  width: number
  height: number
  /** Seconds, from the container's metadata (what a player's timeline shows). */
  duration: number | null
  /** Packets in the video track: one per frame. */
  frames: number
  keyFrames: number
  timestamps: number[]
}

export async function probeVideo(bytes: Uint8Array): Promise<VideoProbe> {
  const input = new Input({ formats: ALL_FORMATS, source: new BufferSource(bytes) })
  try {
    const track = await input.getPrimaryVideoTrack()
    if (!track) throw new Error('no video track')
    const timestamps: number[] = []
    let keyFrames = 0
    for await (const packet of new EncodedPacketSink(track).packets()) {
      timestamps.push(packet.timestamp)
      if (packet.type === 'key') keyFrames++
    }
    return {
      format: (await input.getFormat()).name,
      mimeType: await input.getMimeType(),
      codec: track.codec,
      width: track.displayWidth,
      height: track.displayHeight,
      duration: await input.getDurationFromMetadata(),
      frames: timestamps.length,
      keyFrames,
      timestamps
    }
  } finally {
    input.dispose()
  }
}

/** The container's tags as written (Matroska SimpleTag name → string value). */
export async function probeTags(bytes: Uint8Array): Promise<Record<string, unknown>> {
  const input = new Input({ formats: ALL_FORMATS, source: new BufferSource(bytes) })
  try {
    return (await input.getMetadataTags()).raw ?? {}
  } finally {
    input.dispose()
  }
}
