import { useLayoutEffect, useRef, useState, type RefObject } from 'react'

/**
 * Whether a box's wide layout (its first child) fits the box's width. It turns false once the
 * wide layout is wider than the box, and true again once the box is as wide as that layout needed;
 * a new `content` (what the wide layout shows, and so how wide it is) measures it afresh. Measured
 * before paint, so the layout that does not fit is never drawn.
 */
export function useFitsWidth(box: RefObject<HTMLElement | null>, content: string): boolean {
  const [fits, setFits] = useState(true)
  const [measured, setMeasured] = useState(content)
  const needed = useRef(0)
  if (measured !== content) {
    setMeasured(content)
    setFits(true)
  }
  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    const check = (): void => {
      const s = getComputedStyle(el)
      const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)
      const layout = el.firstElementChild
      if (fits && layout instanceof HTMLElement && layout.offsetWidth > room + 0.5) {
        needed.current = layout.offsetWidth
        setFits(false)
      } else if (!fits && room + 0.5 >= needed.current) setFits(true)
    }
    check()
    const observer = new ResizeObserver(check)
    observer.observe(el)
    if (el.firstElementChild) observer.observe(el.firstElementChild)
    return () => observer.disconnect()
  }, [box, fits, content])
  return fits
}
