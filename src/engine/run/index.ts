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
export {
  compareMarkdown,
  CompareSpecError,
  COMPARE_METRICS,
  methodFolder,
  parseMethodSpecs,
  RUN_SPEC_HELP,
  summariseCompare,
  type CompareRun,
  type CompareSummary,
  type MethodSpec,
} from './compare.ts';
