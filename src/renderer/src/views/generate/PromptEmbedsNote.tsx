import type { ModelInfo } from '../../../../shared/manifest'

/**
 * In place of the prompt fields for a family that reads no prompt text (Qwen-Image imported without
 * its text encoder graph, ModelInfo.promptEmbeds): the app cannot make the embeddings, so it says
 * where generating is possible instead of offering a prompt the model would never read.
 */
export function PromptEmbedsNote({ model }: { model: ModelInfo }) {
  return (
    <div className="field" data-testid="prompt-embeds-note">
      <span className="field-label">Prompt</span>
      <p className="readout prompt-embeds-note">
        {model.name} has no text encoder graph: it reads precomputed prompt embeddings, which the app cannot
        make. Generate it from the command line:
        <code className="num">studio generate --model {model.id} --prompt-embeds embeds.npy</code>
      </p>
    </div>
  )
}
