import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { connectStudio } from './connect'
import './styles.css'
import './components/controls.css'
import './components/pickers.css'
import './components/display.css'
import './charts/charts.css'
import './views/views.css'
import './views/generate/generate.css'
import './views/compare/compare.css'
import './views/gallery/gallery.css'
import './views/settings/settings.css'
import './views/narrow.css'

connectStudio(window.studio)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>
)
