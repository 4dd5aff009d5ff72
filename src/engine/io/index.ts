/**
 * Weights in and out: safetensors (torchvision state_dicts), torch.save `.pth` archives (read only,
 * through a safe pickle reader), explicit NCHW<->NHWC layouts, and the tfjs export. DOM-free and
 * Node-free: callers read and write the bytes.
 */
export {
  DTYPE_BYTES,
  SafetensorsFormatError,
  f32Tensor,
  i64Tensor,
  numElements,
  parseSafetensors,
  serializeSafetensors,
  toFloat32,
  toIntegers,
} from './safetensors.ts';
export type { SafetensorsDtype, SafetensorsFile, SafetensorsTensor } from './safetensors.ts';
export {
  hwioShapeToOihw,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwShapeToHwio,
  oihwToHwio,
  permute4d,
  transpose2d,
} from './layout.ts';
export type { Shape4 } from './layout.ts';
export {
  StateDictMismatchError,
  checkStateDict,
  describeMismatch,
  exportMetadata,
  exportSafetensors,
  fromTorchLayout,
  importSafetensors,
  loadTorchStateDicts,
  toTorchLayout,
  toTorchStateDicts,
} from './torchvision.ts';
export type {
  ImportOptions,
  ImportReport,
  MismatchProblem,
  SafetensorsExport,
  StateDict,
  StateDictMismatch,
} from './torchvision.ts';
export { CHECKPOINT_KEYS, WeightsFileError, isBarePickle, isZipArchive, parseTorchPth } from './torch_pth.ts';
export type { TorchPthFile } from './torch_pth.ts';
export {
  PretrainedMismatchError,
  checkPretrained,
  detectWeightsFormat,
  loadPretrained,
  matchingArchitecture,
  readWeightsFile,
} from './weights_file.ts';
export type { PretrainedCheck, PretrainedReport, WeightsFile, WeightsFormat } from './weights_file.ts';
export { TFJS_WEIGHTS_FILE, buildLayersModel, exportTfjs, loadTfjsExport, resnetFromTfjsExport } from './tfjs_export.ts';
export type { TfjsExport, TfjsExportMetadata } from './tfjs_export.ts';
