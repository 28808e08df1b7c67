import { lstat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { onnx as Onnx } from 'onnx-proto'
import { EngineFailure } from '../errors'
import { assertRegularFile } from '../model/safe-read'

/**
 * The external-data files a graph's initializers point at, checked without reading them: each
 * location must be a plain relative name inside the graph's folder (onnxruntime refuses absolute
 * ones and '..'), a regular file, and at least as long as the furthest tensor in it (a download
 * cut short is refused here, by name, not halfway through a session).
 */

export interface ExternalFile {
  /** Location as written in the graph (relative to the graph's folder). */
  location: string
  size: number
  mtimeMs: number
  /** offset + length of the furthest tensor stored in it. */
  needed: number
}

const EXTERNAL = 1

export async function checkExternalData(
  graph: Onnx.IGraphProto,
  folder: string,
  label: string
): Promise<ExternalFile[]> {
  const needed = new Map<string, number>()
  for (const t of allInitializers(graph)) {
    if (t.dataLocation !== EXTERNAL) continue
    const entry = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']))
    const location = entry.get('location') ?? ''
    if (!location || isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
      throw new EngineFailure(
        'model_invalid',
        `${label}: initializer "${t.name}" keeps its data at "${location}", which is not a file name inside the graph's folder (onnxruntime refuses absolute paths and "..")`
      )
    }
    const offset = Number(entry.get('offset') ?? '0')
    const length = Number(entry.get('length') ?? 'NaN')
    const end = offset + (Number.isFinite(length) ? length : tensorBytes(t))
    needed.set(location, Math.max(needed.get(location) ?? 0, end))
  }
  const files: ExternalFile[] = []
  for (const [location, end] of needed) {
    const path = join(folder, location)
    const where = `${label.replace(/[^/]*$/, '')}${location}`
    let info
    try {
      info = await assertRegularFile(path, { maxBytes: Number.MAX_SAFE_INTEGER, label: where, root: folder })
    } catch (e) {
      if (e instanceof EngineFailure && e.code === 'model_not_found')
        throw new EngineFailure('model_invalid', `${where}: missing (the external data of ${label})`)
      throw e
    }
    if (info.size < end) {
      throw new EngineFailure(
        'model_invalid',
        `${where}: truncated (${info.size} bytes; the tensors of ${label} need ${end})`
      )
    }
    files.push({ location, size: info.size, mtimeMs: (await lstat(path)).mtimeMs, needed: end })
  }
  return files
}

/** Initializers and the tensors of node attributes (Constant values can live in external data too). */
function* allInitializers(graph: Onnx.IGraphProto): Generator<Onnx.ITensorProto> {
  yield* graph.initializer ?? []
  for (const n of graph.node ?? [])
    for (const a of n.attribute ?? []) {
      if (a.t) yield a.t
      yield* a.tensors ?? []
      for (const g of [a.g, ...(a.graphs ?? [])]) if (g) yield* allInitializers(g)
    }
}

const BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  16: 2
}
function tensorBytes(t: Onnx.ITensorProto): number {
  const n = (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1)
  return n * (BYTES[t.dataType ?? 0] ?? 1)
}
