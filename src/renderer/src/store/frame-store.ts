import { useCallback, useSyncExternalStore } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useStudioStore, type StudioState } from './index'
import { subscribePerFrame } from './per-frame'

/**
 * `useStudioStore(useShallow(selector))`, rendering at most once per animation frame: for a view
 * fed by a fast stream (the live run). What it shows is never older than the last frame, and is
 * the store's latest state once the stream stops.
 */
export function useStudioStorePerFrame<T>(selector: (s: StudioState) => T): T {
  const select = useShallow(selector)
  const subscribe = useCallback(
    (listener: () => void) => subscribePerFrame(useStudioStore.subscribe, listener),
    []
  )
  return useSyncExternalStore(subscribe, () => select(useStudioStore.getState()))
}
