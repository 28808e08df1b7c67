import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { describeIssues } from '../../shared/validation'
import { ApiFailure, storageFailure } from '../../shared/failure'
import { isAtomicTempOf, removeStrayTemps } from '../engine/atomic-write'
import { isOwnEntryId } from './entry-id'
import { GalleryIndex, GalleryIndexSchema, newIndexData } from './gallery-index'

/**
 * Where a gallery keeps what: outputs in `entries/<id>/`, and the studio's own working folders
 * under `.cache-studio/` (the index, outputs being written, deleted outputs kept for undo).
 */
export function galleryPaths(root: string) {
  const studio = join(root, STUDIO_DIR)
  return {
    root,
    entries: join(root, 'entries'),
    studio,
    index: join(studio, INDEX_FILE),
    staging: join(studio, 'staging'),
    trash: join(studio, 'trash')
  }
}
export type GalleryPaths = ReturnType<typeof galleryPaths>

export const STUDIO_DIR = '.cache-studio'
const INDEX_FILE = 'gallery.json'
/** What the operating system drops into any folder; a folder holding only these counts as empty. */
const OS_LITTER = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini'])
/** The layout before `.cache-studio/`: the app's default folder still has it. */
const LEGACY_DIRS = ['entries', 'trash', 'staging'] as const

/**
 * Opens the gallery folder at `root`, or refuses it: a relative path; a folder that is not empty
 * and is not a studio gallery (the studio would be mixing its files with someone else's); a folder
 * that cannot be written. Then removes what the index lists as left over from the last session
 * (cut-short writes, deleted outputs) and nothing else. `notices` gets one line per thing set aside.
 */
export async function openGalleryLayout(root: string, notices: string[]): Promise<GalleryIndex> {
  if (!isAbsolute(root))
    throw new ApiFailure('bad_request', `gallery: the output folder must be an absolute path, not "${root}"`)
  const paths = galleryPaths(root)
  const rootStat = await stat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined
    throw storageFailure(e, `gallery: cannot use the output folder ${root}`, root)
  })
  if (rootStat === undefined)
    await writable(`gallery: cannot create the output folder ${root}`, root, () =>
      mkdir(root, { recursive: true })
    )
  else if (!rootStat.isDirectory())
    throw new ApiFailure('bad_request', `gallery: the output folder ${root} is a file, not a folder`)

  const names = (await readdir(root)).filter((n) => !OS_LITTER.has(n))
  const others = names.filter((n) => n !== STUDIO_DIR)
  let index: GalleryIndex
  if (names.includes(STUDIO_DIR) && !(await isCutShortStart(paths))) index = await readIndex(paths, notices)
  else if (others.length === 0) index = new GalleryIndex(paths.index, newIndexData(false))
  else if (await isLegacyGallery(root, others)) index = new GalleryIndex(paths.index, newIndexData(true))
  else
    throw new ApiFailure(
      'bad_request',
      `gallery: ${root} is not empty and is not a Cache Studio gallery (no ${STUDIO_DIR}/${INDEX_FILE}); choose an empty folder or one the studio made`
    )

  await writable(`gallery: cannot write to the output folder ${root}`, root, async () => {
    await mkdir(paths.studio, { recursive: true })
    await index.write() // the mark goes down first: before it, nothing here is the studio's
    for (const dir of [paths.staging, paths.trash, paths.entries]) await mkdir(dir, { recursive: true })
    if (index.data.legacy) await adoptLegacyWork(paths, index)
    await removeListed(paths, index)
    await removeStrayTemps(paths.studio, INDEX_FILE)
  })
  return index
}

/** `.cache-studio/` made but its index never written (a first open cut short): nothing in it but temps. */
async function isCutShortStart(paths: GalleryPaths): Promise<boolean> {
  if (!(await isRealDir(paths.studio))) return false
  const inside = await readdir(paths.studio)
  return inside.every((n) => isAtomicTempOf(n, INDEX_FILE))
}

async function writable(action: string, where: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (e) {
    if (e instanceof ApiFailure) throw e
    throw storageFailure(e, action, where)
  }
}

/** The index of a studio gallery; one that is unreadable is set aside and a fresh one begun. */
async function readIndex(paths: GalleryPaths, notices: string[]): Promise<GalleryIndex> {
  let text: string
  try {
    text = await readFile(paths.index, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ApiFailure(
        'bad_request',
        `gallery: ${paths.root} has a ${STUDIO_DIR} folder without ${INDEX_FILE}: it is not a gallery the studio made`
      )
    throw storageFailure(e, `gallery: cannot read ${paths.index}`, paths.index)
  }
  let problem: string
  try {
    const parsed = GalleryIndexSchema.safeParse(JSON.parse(text))
    if (parsed.success) return new GalleryIndex(paths.index, parsed.data)
    problem = describeIssues(paths.index, parsed.error)
  } catch (e) {
    problem = `${paths.index}: not valid JSON (${(e as Error).message})`
  }
  // Without its lists the gallery removes nothing left over, which is safe; the entries are intact.
  const keptAs = `${paths.index}.invalid-${Date.now()}`
  await rename(paths.index, keptAs)
  notices.push(`gallery: ${problem} (kept as ${keptAs}; a new index was started)`)
  return new GalleryIndex(paths.index, newIndexData(false))
}

/**
 * The layout before `.cache-studio/`, recognised by its own marks only: exactly `entries/`,
 * `trash/` and `staging/` (real folders), holding nothing but folders named as the studio names
 * entries, and every one in `entries/` with its `entry.json`. Anything else is someone else's.
 */
async function isLegacyGallery(root: string, names: string[]): Promise<boolean> {
  if (names.length !== LEGACY_DIRS.length || !LEGACY_DIRS.every((d) => names.includes(d))) return false
  for (const dir of LEGACY_DIRS) {
    const path = join(root, dir)
    if (!(await isRealDir(path))) return false
    for (const id of (await readdir(path)).filter((n) => !OS_LITTER.has(n))) {
      if (!isOwnEntryId(id) || !(await isRealDir(join(path, id)))) return false
      if (dir === 'entries' && !(await isRegularFile(join(path, id, 'entry.json')))) return false
    }
  }
  return true
}

/**
 * Moves the old layout's working folders into `.cache-studio/`, listing each in the index before
 * it moves, so they are removed as the old studio would have removed them. Only folders named as
 * the studio names entries move; the old folders go only if that leaves them empty.
 */
async function adoptLegacyWork(paths: GalleryPaths, index: GalleryIndex): Promise<void> {
  for (const list of ['staging', 'trash'] as const) {
    const old = join(paths.root, list)
    if (!(await isRealDir(old))) continue
    for (const id of await readdir(old)) {
      if (!isOwnEntryId(id) || !(await isRealDir(join(old, id)))) continue
      await index.add(list, id)
      await rename(join(old, id), join(paths[list], id))
    }
    await rmdir(old).catch(() => undefined) // not empty: what is left there is not the studio's
  }
}

/** Removes the listed working folders, and only those; a listed name that is not a real folder stays. */
async function removeListed(paths: GalleryPaths, index: GalleryIndex): Promise<void> {
  for (const list of ['staging', 'trash'] as const) {
    for (const id of index.data[list]) {
      const dir = join(paths[list], id)
      if (await isRealDir(dir)) await rm(dir, { recursive: true, force: true })
      await index.remove(list, id)
    }
  }
}

async function isRealDir(path: string): Promise<boolean> {
  const s = await lstat(path).catch(() => undefined)
  return s !== undefined && s.isDirectory() && !s.isSymbolicLink()
}

async function isRegularFile(path: string): Promise<boolean> {
  const s = await lstat(path).catch(() => undefined)
  return s !== undefined && s.isFile()
}
