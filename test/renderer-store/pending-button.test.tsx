import type { ReactElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it, vi } from 'vitest'
import { PendingButton } from '../../src/renderer/src/components/PendingButton'

const props = {
  className: 'secondary-button',
  testId: 'engine-test',
  label: 'Test connection',
  pendingLabel: 'Testing…'
}

describe('PendingButton', () => {
  it('says what it does and can be pressed while its action is not under way', () => {
    const html = renderToStaticMarkup(<PendingButton {...props} pending={false} onClick={async () => {}} />)
    expect(html).toBe(
      '<button type="button" class="secondary-button" data-testid="engine-test">Test connection</button>'
    )
  })

  it('says what is under way and is disabled meanwhile, the children after the label in both states', () => {
    const html = renderToStaticMarkup(
      <PendingButton {...props} pending onClick={async () => {}}>
        <kbd>Esc</kbd>
      </PendingButton>
    )
    expect(html).toBe(
      '<button type="button" class="secondary-button" data-testid="engine-test" disabled="">Testing…<kbd>Esc</kbd></button>'
    )
  })

  it('starts its action on a click, without passing the event on', () => {
    const onClick = vi.fn(async () => {})
    const button = PendingButton({ ...props, pending: false, onClick }) as ReactElement<{
      onClick: () => void
    }>
    button.props.onClick()
    expect(onClick).toHaveBeenCalledWith()
  })
})
