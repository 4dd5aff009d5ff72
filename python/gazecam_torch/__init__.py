"""gazecam_torch: the PyTorch twin of GazeCAM Studio's engine.

Modules (import what you need; importing the package itself loads nothing heavy):
  models       torchvision ResNets, the narrow -small/-tiny variants, the CAM stride, the gaze head
  cams         cam_maps and the seed's refine_cams
  losses       cross-entropy, the CAM-to-gaze losses (mse, bce, l1, kl), the multi-task head loss
  metrics      accuracy, macro AUC, CAM-gaze r, CAM mass in the top-20% gaze, conflict accuracy
  safetensors  a numpy-only safetensors reader/writer
  run_format   run.json and model.safetensors as the engine writes them
  data         prepared datasets (`gazecam prepare`) and the engine's data order
  distributed  torchrun's process group and batch norm over the global batch
  train        python -m gazecam_torch.train <prepared> --out <run>, one process or torchrun
  bench        python -m gazecam_torch.bench: training steps per second
"""
__version__ = "0.1.0"
