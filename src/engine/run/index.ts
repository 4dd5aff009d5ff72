/** A run from settings to files: prepareRun sets it up, the engine's loop trains it, runArtifacts exports it. */
export { prepareRun, RunSetupError, type PrepareRunInput, type PreparedRun, type RunSource } from './prepare.ts';
export {
  exportReadme,
  runArtifacts,
  runManifestFor,
  torchModelsSource,
  TORCH_MODELS_FILE,
  type ArtifactFile,
  type PythonSources,
} from './artifacts.ts';
