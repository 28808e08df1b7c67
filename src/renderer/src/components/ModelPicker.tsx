import type { ModelInfo } from '../../../shared/manifest'
import { useStudioStore } from '../store'
import { selectedModel } from '../store/slices/models'
import { AddModelStatus } from './AddModelStatus'
import { formatBytes } from './format'

/**
 * Embedded and user-added models with kind, size and source; an imported model also shows its
 * family, precision, size on disk (its source weights included) and block lists. Adding a folder
 * shows the importer's progress while it runs (with Cancel), then what it said, or the refusal's
 * reason (AddModelStatus).
 */
export function ModelPicker({ disabled }: { disabled?: boolean }) {
  const models = useStudioStore((s) => s.models)
  const model = useStudioStore(selectedModel)
  const selectModel = useStudioStore((s) => s.selectModel)
  const addModel = useStudioStore((s) => s.addModel)
  const adding = useStudioStore((s) => s.addingModel)
  const modelsError = useStudioStore((s) => s.modelsError)
  return (
    <div className="field">
      <div className="field-label">
        <label htmlFor="model-select">Model</label>
        <button
          type="button"
          className="link-button"
          data-testid="add-model"
          onClick={() => void addModel()}
          disabled={disabled || adding !== null}
        >
          + Add folder…
        </button>
      </div>
      <select
        id="model-select"
        data-testid="model-select"
        value={model?.id ?? ''}
        disabled={disabled || models.length === 0}
        onChange={(e) => selectModel(e.target.value)}
      >
        {models.length === 0 && <option value="">No models</option>}
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name} — {m.family ? `${m.family} ${m.precision ?? ''}`.trim() : m.kind},{' '}
            {formatBytes(m.sizeOnDisk ?? m.sizeBytes)}
          </option>
        ))}
      </select>
      {model && <ModelMeta model={model} />}
      {modelsError && <p className="field-error">{modelsError}</p>}
      <AddModelStatus />
    </div>
  )
}

/** Where the size and frames shown come from: a default the view lets change, or the graphs' one shape. */
function shapeTitle(model: ModelInfo): string | undefined {
  if (model.sizes?.fixed) return 'Static export: the only size its graphs take'
  if (model.sizes) return 'Default size; the generate view offers the others'
  return undefined
}

function ModelMeta({ model }: { model: ModelInfo }) {
  const lists = model.transformers.flatMap((t) =>
    t.blockLists.map((l) => ({
      key: `${t.name}/${l.name}`,
      ...l,
      expert: model.transformers.length > 1 ? t.name : null
    }))
  )
  const blocks = lists.reduce((n, l) => n + l.blocks, 0)
  return (
    <div className="model-meta" data-testid="model-meta">
      <span className={`tag ${model.kind}`}>{model.kind}</span>
      {model.family && <span className="tag accent">{model.family}</span>}
      {model.precision && <span className="tag">{model.precision}</span>}
      <span className="tag">{model.embedded ? 'embedded' : model.family ? 'imported' : 'added'}</span>
      {model.sizes?.fixed && (
        <span className="tag" title="A static export: its graphs take one size (and frame count)">
          static
        </span>
      )}
      {model.promptEmbeds && (
        <span
          className="tag warn"
          data-testid="model-prompt-embeds"
          title="No text encoder graph: generating needs precomputed prompt embeddings (studio generate --prompt-embeds)"
        >
          prompt embeddings
        </span>
      )}
      <span className="num dim" data-testid="model-shape" title={shapeTitle(model)}>
        {model.output.width}×{model.output.height}
        {model.output.frames > 1 || model.frames ? ` · ${model.output.frames} frames` : ''}
        {model.frames && model.frames.fixed === undefined
          ? ` (1+${model.frames.step}k up to ${model.frames.max})`
          : ''}
      </span>
      <span
        className="num dim"
        title={
          model.sizeOnDisk !== undefined
            ? `On disk with its source files (weights included); the package itself is ${formatBytes(model.sizeBytes)}`
            : undefined
        }
      >
        {formatBytes(model.sizeOnDisk ?? model.sizeBytes)}
        {model.sizeOnDisk !== undefined ? ' on disk' : ''}
      </span>
      <span className="num dim">{blocks} blocks</span>
      {lists.length > 1 || model.family ? (
        <span className="block-lists num dim" data-testid="block-lists">
          {lists
            .map((l) => `${l.expert ? `${l.expert}: ` : ''}${l.name} ${l.blocks} (${l.pattern})`)
            .join(' · ')}
        </span>
      ) : null}
      {model.sourceDir && (
        <span className="num dim source-dir" title={model.sourceDir}>
          from {model.sourceDir}
        </span>
      )}
    </div>
  )
}
