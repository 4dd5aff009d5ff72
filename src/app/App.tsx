import { CamOverlays } from './components/CamOverlays.tsx';
import { CompareMethods } from './components/CompareMethods.tsx';
import { DatasetGallery } from './components/DatasetGallery.tsx';
import { DatasetPanel } from './components/DatasetPanel.tsx';
import { GpuStatus } from './components/GpuStatus.tsx';
import { Notices } from './components/Notices.tsx';
import { ResultsPanel } from './components/ResultsPanel.tsx';
import { ResumeBanner } from './components/ResumeBanner.tsx';
import { RunAtScale } from './components/RunAtScale.tsx';
import { SettingsPanel } from './components/SettingsPanel.tsx';
import { TrainingPanel } from './components/TrainingPanel.tsx';
import { WeightsPanel } from './components/WeightsPanel.tsx';

/** The studio's layout: data and settings on the left, training and CAMs in the viewer area. */
export function App() {
  return (
    <div className="app">
      <a className="skip-link" href="#viewer">
        Skip to training
      </a>
      <header className="topbar">
        <h1>
          GazeCAM <span>Studio</span>
        </h1>
        <GpuStatus />
      </header>
      <Notices />
      <div className="layout">
        <aside className="sidebar" aria-label="Data and settings">
          <DatasetPanel />
          <SettingsPanel />
        </aside>
        <main id="viewer" className="viewer" tabIndex={-1}>
          <ResumeBanner />
          <TrainingPanel />
          <CamOverlays />
          <ResultsPanel />
          <CompareMethods />
          <DatasetGallery />
          <WeightsPanel />
          <RunAtScale />
        </main>
      </div>
    </div>
  );
}
