export function TitleBar(): React.JSX.Element {
  return (
    <header className="titlebar">
      <span className="titlebar-mark" aria-hidden="true" />
      <span className="titlebar-name">Cache Studio</span>
      <span className="titlebar-sub">Diffusion transformers · DBCache + TaylorSeer · ONNX Runtime</span>
    </header>
  )
}
