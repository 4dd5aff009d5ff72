import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * A render error must never leave a blank page: say what broke and how to get back. The worker,
 * and so a running training, is unaffected by a UI crash; reloading restores the view.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('GazeCAM Studio UI error', error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div role="alert" className="crash">
        <h1>The studio's display hit an error</h1>
        <p>
          <code>{error.message}</code>
        </p>
        <p>Your files never left this computer. Reload the page to continue.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
