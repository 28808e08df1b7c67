import type { StudioView } from '../store/slices/types'
import { CompareView } from './compare/CompareView'
import { GalleryView } from './gallery/GalleryView'
import { GenerateView } from './generate/GenerateView'
import { SettingsView } from './settings/SettingsView'

export function ViewPanel({ view }: { view: StudioView }): React.JSX.Element {
  switch (view) {
    case 'generate':
      return <GenerateView />
    case 'compare':
      return <CompareView />
    case 'gallery':
      return <GalleryView />
    case 'settings':
      return <SettingsView />
  }
}
