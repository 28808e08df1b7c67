import { ModelPicker } from '../../components/ModelPicker'
import { PresetPicker } from '../../components/PresetPicker'
import { SamplingFields } from '../../components/SamplingFields'
import { SeedField } from '../../components/SeedField'
import { useStudioStore } from '../../store'
import { isGenerating } from '../../store/slices/generation'
import { selectedModel } from '../../store/slices/models'
import { LowNoiseGuidanceField } from './LowNoiseGuidanceField'
import { PromptComposer } from './PromptComposer'

/** The left column of the generate view: the model and the prompt with its action, then the rest of the recipe. Locked while a run is under way. */
export function RecipePanel() {
  const busy = useStudioStore(isGenerating)
  const model = useStudioStore(selectedModel)
  return (
    <aside className="recipe-panel">
      <div className="panel-scroll">
        <section className="panel-section">
          <ModelPicker disabled={busy} />
          <PromptComposer model={model} busy={busy} />
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
    </aside>
  )
}
