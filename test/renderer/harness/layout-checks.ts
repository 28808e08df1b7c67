import type { Page } from 'playwright-core'

/** What a user would see as broken in the window as it is drawn now; each line names the element. */
export interface LayoutProblems {
  /** Elements that reach past the window's right edge (the page would scroll sideways or cut them). */
  pastWindow: string[]
  /** Buttons and nav entries whose label is wider than the button: the text is cut. */
  clippedLabels: string[]
  /** Text cut by a box that hides its overflow (not a scrolling one, not an intended ellipsis). */
  clippedText: string[]
  /** Text wider than its own box, drawn over whatever lies beside it. */
  spilledText: string[]
  /** Text that runs past its box's padding, out to (or over) the box's edge. */
  pastPadding: string[]
  /** Controls (buttons, inputs, selects) drawn over one another. */
  overlappingControls: string[]
}

/** Looks at every visible element of the page; runs in Chromium, so it reads the real layout. */
export function layoutProblems(page: Page): Promise<LayoutProblems> {
  return page.evaluate(() => {
    const name = (el: Element): string => {
      const id = el.getAttribute('data-testid')
      const cls =
        typeof el.className === 'string' && el.className ? `.${el.className.split(' ').join('.')}` : ''
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40)
      return `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : ''}${cls} "${text}"`
    }
    const visible = (el: Element): boolean => {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) return false
      const s = getComputedStyle(el)
      return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) > 0
    }
    // An element that a scrolling box contains is reachable; one cut by a hiding box is not.
    const hidingBox = (el: Element): Element | null => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p)
        if (
          s.overflowX === 'auto' ||
          s.overflowX === 'scroll' ||
          s.overflowY === 'auto' ||
          s.overflowY === 'scroll'
        )
          return null
        if (
          s.overflowX === 'hidden' ||
          s.overflowX === 'clip' ||
          s.overflowY === 'hidden' ||
          s.overflowY === 'clip'
        )
          return p
      }
      return null
    }
    const inScroller = (el: Element): boolean => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p)
        if (s.overflowX === 'auto' || s.overflowX === 'scroll') return true
      }
      return false
    }
    const all = [...document.querySelectorAll('#root *')].filter(visible)
    const width = document.documentElement.clientWidth
    const pastWindow = all
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !inScroller(el))
      .map(name)
    if (document.documentElement.scrollWidth > width)
      pastWindow.unshift(
        `the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window`
      )

    const clippedLabels = all
      .filter((el) => el.matches('button, .nav-item, .chip, [role="tab"]'))
      .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      .map(
        (el) =>
          `${name(el)} needs ${el.scrollWidth}×${el.scrollHeight}, has ${el.clientWidth}×${el.clientHeight}`
      )

    const hasOwnText = (el: Element): boolean =>
      [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '')
    const clippedText = all
      .filter(hasOwnText)
      .filter((el) => getComputedStyle(el).textOverflow !== 'ellipsis')
      .flatMap((el) => {
        const box = hidingBox(el)
        if (!box) return []
        const r = el.getBoundingClientRect()
        const b = box.getBoundingClientRect()
        const cut =
          r.bottom > b.bottom + 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.left < b.left - 1
        return cut ? [`${name(el)} cut by ${name(box).split(' ')[0]}`] : []
      })

    const spilledText = all
      .filter(hasOwnText)
      .filter((el) => {
        const s = getComputedStyle(el)
        return s.display !== 'inline' && s.overflowX === 'visible' && s.textOverflow !== 'ellipsis'
      })
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${name(el)} needs ${el.scrollWidth} px, has ${el.clientWidth}`)

    const pastPadding = all.filter(hasOwnText).flatMap((el) => {
      const parent = el.parentElement
      if (!parent || getComputedStyle(el).position === 'absolute') return []
      const s = getComputedStyle(parent)
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') return []
      const r = el.getBoundingClientRect()
      const p = parent.getBoundingClientRect()
      const right = p.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight)
      const left = p.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft)
      return r.right > right + 1 || r.left < left - 1
        ? [`${name(el)} past the padding of ${name(parent).split(' ')[0]}`]
        : []
    })

    const controls = all.filter((el) => el.matches('button, input, select, textarea'))
    const overlappingControls: string[] = []
    for (let i = 0; i < controls.length; i++) {
      for (let j = i + 1; j < controls.length; j++) {
        const [a, b] = [controls[i], controls[j]]
        if (a.contains(b) || b.contains(a)) continue
        const [ra, rb] = [a.getBoundingClientRect(), b.getBoundingClientRect()]
        const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left)
        const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top)
        if (x > 1 && y > 1) overlappingControls.push(`${name(a)} over ${name(b)}`)
      }
    }
    return { pastWindow, clippedLabels, clippedText, spilledText, pastPadding, overlappingControls }
  })
}
