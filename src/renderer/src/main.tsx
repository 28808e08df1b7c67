import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { connectStudio } from './connect'
import './styles.css'
import './components/studio.css'
import './charts/charts.css'
import './views/views.css'

connectStudio(window.studio)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>
)
