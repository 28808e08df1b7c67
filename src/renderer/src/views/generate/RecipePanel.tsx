import { ModelPicker } from '../../components/ModelPicker'
import { PresetPicker } from '../../components/PresetPicker'
import { PromptField } from '../../components/PromptField'
import { SamplingFields } from '../../components/SamplingFields'
import { SeedField } from '../../components/SeedField'
import { useStudioStore } from '../../store'
import { isGenerating } from '../../store/slices/generation'
import { selectedModel } from '../../store/slices/models'
import { GenerateButton } from './GenerateButton'
import { LowNoiseGuidanceField } from './LowNoiseGuidanceField'
import { PromptEmbedsNote } from './PromptEmbedsNote'

/** The left column of the generate view: the whole recipe, then the action. Locked while a run is under way. */
export function RecipePanel() {
  const busy = useStudioStore(isGenerating)
  const model = useStudioStore(selectedModel)
  return (
    <aside className="recipe-panel">
      <div className="panel-scroll">
        <section className="panel-section">
          <ModelPicker disabled={busy} />
          {model?.promptEmbeds ? <PromptEmbedsNote model={model} /> : <PromptField disabled={busy} />}
        </section>
        <section className="panel-section">
          <SeedField disabled={busy} />
          <SamplingFields disabled={busy} />
          {model?.secondExpert && <LowNoiseGuidanceField expert={model.secondExpert} disabled={busy} />}
        </section>
        <section className="panel-section">
          <PresetPicker disabled={busy} />
        </section>
      </div>
      <div className="panel-footer">
        <GenerateButton />
      </div>
    </aside>
  )
}
